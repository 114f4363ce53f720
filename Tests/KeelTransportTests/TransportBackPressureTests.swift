import KeelWire
import Synchronization
import Testing

@testable import KeelTransport

@Suite("Back-pressure", .timeLimit(.minutes(1)))
struct TransportBackPressureTests {
    /// Small buffers everywhere, so that a peer that stops reading fills them quickly.
    static func tight(_ configuration: inout TransportConfiguration) {
        configuration.maxQueuedFrames = 8
        configuration.maxSuspendedSends = 1
        configuration.inboundBufferLowWatermark = 2
        configuration.inboundBufferHighWatermark = 4
        configuration.writeBufferLowWatermarkBytes = 16 << 10
        configuration.writeBufferHighWatermarkBytes = 32 << 10
        configuration.socketBufferBytes = 32 << 10
    }

    @Test("a peer that stops reading makes send wait and trySend fail; everything arrives once it reads again")
    func peerStopsReading() async throws {
        let (server, address) = try await listeningTransport("b", Self.tight)
        let client = PeerTransport(configuration: testConfiguration("a", Self.tight))
        let total: UInt64 = 2_000  // 2 000 × 16 KiB = 32 MiB: far more than every buffer together.
        let padding = [UInt8](repeating: 0xAB, count: 16 << 10)
        let accepted = Atomic<UInt64>(0)
        let sender = Task {
            for sequence in 0..<total {
                try await client.send(Ping(sequence: sequence, padding: padding), to: address)
                accepted.add(1, ordering: .relaxed)
            }
        }

        // Nobody consumes the server's inbound stream: the queue fills and the sender waits.
        try await eventually("the sender waits for queue space") {
            client.statistics(for: address).map { $0.waitingSenders == 1 && $0.queuedFrames == 8 } ?? false
        }
        #expect(accepted.load(ordering: .relaxed) < total)
        let overloaded = await transportError { try client.trySend(Ping(sequence: .max), to: address) }
        #expect(overloaded?.code == .overloaded)
        #expect(overloaded?.mayHaveBeenDelivered == false)
        // A second waiting sender is over maxSuspendedSends: it fails rather than queueing without bound.
        #expect(await transportError { try await client.send(Ping(sequence: .max), to: address) }?.code == .overloaded)

        // The server reads again: every accepted message arrives, in order, and the sender finishes.
        let received = try await withDeadline {
            var next: UInt64 = 0
            for await event in server.inbound {
                let ping = try event.envelope.decode(as: Ping.self)
                #expect(ping.sequence == next)
                next += 1
                if next == total { break }
            }
            return next
        }
        try await sender.value
        #expect(received == total)
        await client.shutdown()
        await server.shutdown()
    }
}
