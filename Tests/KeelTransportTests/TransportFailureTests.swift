import KeelWire
import Testing

@testable import KeelTransport

@Suite("Transport failures over loopback", .timeLimit(.minutes(1)))
struct TransportFailureTests {
    @Test("a request nobody answers times out, marked as possibly delivered")
    func requestTimeout() async throws {
        let (server, address) = try await listeningTransport("b")
        let silent = Task { for await _ in server.inbound {} }
        let client = PeerTransport(configuration: testConfiguration("a"))
        let error = await transportError {
            _ = try await client.request(Ping(sequence: 1), to: address, timeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
        #expect(error?.mayHaveBeenDelivered == true)
        #expect(client.statistics(for: address)?.pendingRequests == 0)
        await client.shutdown()
        await server.shutdown()
        await silent.value
    }

    @Test("requests with different timeouts each expire on their own deadline")
    func mixedTimeouts() async throws {
        let (server, address) = try await listeningTransport("b")
        let client = PeerTransport(configuration: testConfiguration("a"))
        var iterator = server.inbound.makeAsyncIterator()
        let long = Task { try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(30), expecting: Pong.self) }
        guard case .request(let held) = await iterator.next() else {
            Issue.record("expected the first request")
            return
        }
        // Shorter than the pending request's deadline: the sweep must re-arm earlier.
        let short = await transportError { _ = try await client.request(Ping(sequence: 2), to: address, timeout: .milliseconds(50)) }
        #expect(short?.code == .timeout)
        #expect(client.statistics(for: address)?.pendingRequests == 1)
        held.respond(Pong(sequence: 1, servedBy: "b"))
        #expect(try await long.value == Pong(sequence: 1, servedBy: "b"))
        await client.shutdown()
        await server.shutdown()
    }

    @Test("a request to a port nobody listens on fails as unreachable, not delivered")
    func unreachable() async throws {
        let address = PeerAddress(host: "127.0.0.1", port: try await freePort())
        let client = PeerTransport(configuration: testConfiguration("a"))
        let error = await transportError { _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(10)) }
        #expect(error?.code == .unreachable)
        #expect(error?.mayHaveBeenDelivered == false)
        await client.shutdown()
    }

    @Test("a down peer gets one connection attempt per backoff period, not one per send")
    func backoffBetweenAttempts() async throws {
        let address = PeerAddress(host: "127.0.0.1", port: try await freePort())
        let logs = CapturedLogs()
        let client = PeerTransport(configuration: testConfiguration("a") {
            $0.logger = logs.logger(level: .debug)
            $0.reconnectBackoff = ReconnectBackoff(initialDelay: .seconds(10), maxDelay: .seconds(20))
        })
        let first = await transportError { _ = try await client.request(Ping(sequence: 0), to: address, timeout: .seconds(5)) }
        #expect(first?.code == .unreachable)
        // The next attempt is at least 5 s away (half of the 10 s ceiling): these only queue.
        for sequence in UInt64(1)...100 { try? client.trySend(Ping(sequence: sequence), to: address) }
        #expect(logs.all.filter { $0.message == "connecting" }.count == 1)
        #expect(client.statistics(for: address)?.queuedFrames == 100)
        await client.shutdown()
    }

    @Test("the client reconnects after the peer restarts on the same address")
    func reconnectAfterRestart() async throws {
        var (server, address) = try await listeningTransport("b1")
        var echo = serveEcho(server)
        let client = PeerTransport(configuration: testConfiguration("a"))
        let first = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(5), expecting: Pong.self)
        #expect(first.servedBy == "b1")

        await server.shutdown()
        await echo.value
        let whileDown = await transportError { _ = try await client.request(Ping(sequence: 2), to: address, timeout: .seconds(5)) }
        #expect([.connectionClosed, .unreachable].contains(whileDown?.code))

        (server, _) = try await listeningTransport("b2", port: address.port)
        echo = serveEcho(server)
        var answer: Pong?
        try await eventually("a request reaches the restarted peer") {
            answer = try? await client.request(Ping(sequence: 3), to: address, timeout: .seconds(5), expecting: Pong.self)
            return answer != nil
        }
        #expect(answer == Pong(sequence: 3, servedBy: "b2"))
        await client.shutdown()
        await server.shutdown()
        await echo.value
    }

    @Test("shutdown fails pending requests and later sends, and ends the peer's inbound stream")
    func shutdownFailsPending() async throws {
        let (server, address) = try await listeningTransport("b")
        let client = PeerTransport(configuration: testConfiguration("a"))
        let pending = Task {
            await transportError { _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(60)) }
        }
        // The server has the request in hand: it was written, and is pending at the client.
        var iterator = server.inbound.makeAsyncIterator()
        let received = await iterator.next()
        guard case .request = received else {
            Issue.record("expected a request, got \(String(describing: received))")
            return
        }
        await client.shutdown()
        let error = await pending.value
        #expect(error?.code == .shutdown)
        #expect(error?.mayHaveBeenDelivered == true)
        #expect(await transportError { try client.trySend(Ping(sequence: 2), to: address) }?.code == .shutdown)
        #expect(await transportError { try await client.send(Ping(sequence: 2), to: address) }?.code == .shutdown)

        await server.shutdown()
        #expect(await iterator.next() == nil)
    }

    @Test("a cancelled request ends with cancelled")
    func cancelledRequest() async throws {
        let (server, address) = try await listeningTransport("b")
        let client = PeerTransport(configuration: testConfiguration("a"))
        let pending = Task {
            await transportError { _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(60)) }
        }
        var iterator = server.inbound.makeAsyncIterator()
        _ = await iterator.next()
        pending.cancel()
        #expect(await pending.value?.code == .cancelled)
        #expect(client.statistics(for: address)?.pendingRequests == 0)
        await client.shutdown()
        await server.shutdown()
    }

    @Test("peers of different clusters, or without a common protocol version, refuse each other",
          arguments: [("other-cluster", 1...1), ("keel", 2...3)] as [(String, ClosedRange<UInt32>)])
    func handshakeRefused(clusterID: String, versions: ClosedRange<UInt32>) async throws {
        let (server, address) = try await listeningTransport("b")
        let client = PeerTransport(configuration: testConfiguration("a") {
            $0.clusterID = clusterID
            $0.protocolVersions = versions
        })
        let error = await transportError { _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(10)) }
        #expect(error?.code == .handshakeFailed)
        #expect(error?.mayHaveBeenDelivered == false)
        await client.shutdown()
        await server.shutdown()
    }

    @Test("peers negotiate the highest common protocol version")
    func versionNegotiation() async throws {
        let (server, address) = try await listeningTransport("b") { $0.protocolVersions = 1...3 }
        let client = PeerTransport(configuration: testConfiguration("a") { $0.protocolVersions = 1...2 })
        try client.trySend(Ping(sequence: 1), to: address)
        var iterator = server.inbound.makeAsyncIterator()
        #expect(await iterator.next()?.peer.protocolVersion == 2)
        await client.shutdown()
        await server.shutdown()
    }

    @Test("a peer with too many unanswered requests gets overloaded answers, not unbounded buffering")
    func inboundRequestBound() async throws {
        let (server, address) = try await listeningTransport("b") { $0.maxInboundPendingRequests = 2 }
        let client = PeerTransport(configuration: testConfiguration("a"))
        var iterator = server.inbound.makeAsyncIterator()
        let first = Task { await transportError { _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(30)) } }
        let second = Task { await transportError { _ = try await client.request(Ping(sequence: 2), to: address, timeout: .seconds(30)) } }
        var held: [InboundRequest] = []
        for _ in 0..<2 {
            if case .request(let request) = await iterator.next() { held.append(request) }
        }
        let third = await transportError { _ = try await client.request(Ping(sequence: 3), to: address, timeout: .seconds(30)) }
        #expect(third?.code == .remoteFailure)
        #expect(third?.remoteCode == "overloaded")
        for request in held { request.respond(Pong(sequence: 0, servedBy: "b")) }
        #expect(await first.value == nil)
        #expect(await second.value == nil)
        await client.shutdown()
        await server.shutdown()
    }
}
