import KeelWire
import Testing

@testable import KeelTransport

@Suite("Transport messaging over loopback", .timeLimit(.minutes(1)))
struct TransportMessagingTests {
    @Test("one-way messages arrive in order, from the sender the handshake named")
    func messagesInOrder() async throws {
        let (server, address) = try await listeningTransport("b")
        let client = PeerTransport(configuration: testConfiguration("a"))
        let count: UInt64 = 3_000
        let sender = Task {
            for sequence in 0..<count {
                try await client.send(Ping(sequence: sequence, padding: [UInt8](repeating: 7, count: Int(sequence % 100))), to: address)
            }
        }
        let received = try await withDeadline {
            var received: [UInt64] = []
            for await event in server.inbound {
                guard case .message(let message) = event else { continue }
                #expect(message.peer.nodeID == "a")
                let ping = try message.envelope.decode(as: Ping.self)
                #expect(ping.padding.count == Int(ping.sequence % 100))
                received.append(ping.sequence)
                if received.count == Int(count) { break }
            }
            return received
        }
        try await sender.value
        #expect(received == Array(0..<count))
        #expect(client.statistics(for: address)?.connectedLinks == 1)
        await client.shutdown()
        await server.shutdown()
    }

    @Test("concurrent requests each get their own response")
    func requestResponse() async throws {
        let (server, address) = try await listeningTransport("b")
        let echo = serveEcho(server)
        let client = PeerTransport(configuration: testConfiguration("a"))
        let answers = try await withDeadline {
            try await withThrowingTaskGroup(of: (UInt64, Pong).self) { group in
                for sequence in UInt64(0)..<300 {
                    group.addTask {
                        let pong = try await client.request(Ping(sequence: sequence), to: address, timeout: .seconds(10), expecting: Pong.self)
                        return (sequence, pong)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
        }
        #expect(answers.count == 300)
        #expect(answers.allSatisfy { $0.key == $0.value.sequence && $0.value.servedBy == "b" })
        #expect(client.statistics(for: address)?.pendingRequests == 0)
        await client.shutdown()
        await server.shutdown()
        await echo.value
    }

    @Test("a handler's failure reaches the requester with its code")
    func remoteFailure() async throws {
        let (server, address) = try await listeningTransport("b")
        let handler = Task {
            for await event in server.inbound {
                if case .request(let request) = event {
                    request.fail(code: "not_primary", message: "ask s1's primary")
                    request.respond(Pong(sequence: 0, servedBy: "ignored: second answer"))
                }
            }
        }
        let client = PeerTransport(configuration: testConfiguration("a"))
        let error = await transportError { _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(10)) }
        #expect(error?.code == .remoteFailure)
        #expect(error?.remoteCode == "not_primary")
        #expect(error?.mayHaveBeenDelivered == true)
        await client.shutdown()
        await server.shutdown()
        await handler.value
    }

    @Test("requests spread over the configured pool of connections; messages keep to one")
    func connectionPool() async throws {
        let (server, address) = try await listeningTransport("b")
        let remotes = Task {
            var requestRemotes: Set<String> = []
            var messageRemotes: Set<String> = []
            for await event in server.inbound {
                switch event {
                case .request(let request):
                    requestRemotes.insert(request.peer.remoteAddress)
                    request.respond(Pong(sequence: 0, servedBy: "b"))
                case .message(let message):
                    messageRemotes.insert(message.peer.remoteAddress)
                }
            }
            return (requestRemotes, messageRemotes)
        }
        let client = PeerTransport(configuration: testConfiguration("a") { $0.connectionsPerPeer = 3 })
        for sequence in UInt64(0)..<12 {
            _ = try await client.request(Ping(sequence: sequence), to: address, timeout: .seconds(10))
            try await client.send(Ping(sequence: sequence), to: address)
        }
        #expect(client.statistics(for: address)?.connectedLinks == 3)
        await client.shutdown()
        await server.shutdown()
        let (requestRemotes, messageRemotes) = await remotes.value
        #expect(requestRemotes.count == 3)
        #expect(messageRemotes.count == 1)
    }
}
