import Foundation
import KeelWire
import Testing

@testable import KeelTransport

/// Loopback throughput, printed rather than asserted (timing has no place in assertions).
/// Run with `KEEL_TRANSPORT_BENCH=1 swift test -c release --filter TransportThroughput`.
@Suite(
    "Transport throughput (set KEEL_TRANSPORT_BENCH=1 to run)",
    .enabled(if: ProcessInfo.processInfo.environment["KEEL_TRANSPORT_BENCH"] == "1"),
    .timeLimit(.minutes(5)))
struct TransportThroughputTests {
    static let messageCount: UInt64 = 1_000_000
    static let requestCount = 200_000
    static let requestConcurrency = 64

    @Test("one-way small messages per second over one connection")
    func oneWayThroughput() async throws {
        let (server, address) = try await listeningTransport("b")
        let client = PeerTransport(configuration: testConfiguration("a"))
        let clock = ContinuousClock()
        let start = clock.now
        let sender = Task {
            for sequence in 0..<Self.messageCount { try await client.send(Ping(sequence: sequence), to: address) }
        }
        var received: UInt64 = 0
        for await event in server.inbound {
            guard case .message = event else { continue }
            received += 1
            if received == Self.messageCount { break }
        }
        let elapsed = clock.now - start
        try await sender.value
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("one-way: \(received) messages (payload \(WireEnvelope.encode(Ping(sequence: 1 << 20)).count) B) in \(elapsed): \(Int(Double(received) / seconds)) messages/s")
        #expect(received == Self.messageCount)
        await client.shutdown()
        await server.shutdown()
    }

    @Test("request/response round trips per second, 64 in flight")
    func requestThroughput() async throws {
        let (server, address) = try await listeningTransport("b")
        let echo = serveEcho(server)
        let client = PeerTransport(configuration: testConfiguration("a"))
        let clock = ContinuousClock()
        let start = clock.now
        let perTask = Self.requestCount / Self.requestConcurrency
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<Self.requestConcurrency {
                group.addTask {
                    for index in 0..<perTask {
                        _ = try await client.request(Ping(sequence: UInt64(worker * perTask + index)), to: address, timeout: .seconds(30))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let total = perTask * Self.requestConcurrency
        print("request/response: \(total) round trips in \(elapsed): \(Int(Double(total) / seconds)) requests/s")
        #expect(client.statistics(for: address)?.pendingRequests == 0)
        await client.shutdown()
        await server.shutdown()
        await echo.value
    }
}
