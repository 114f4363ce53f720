import Testing

@testable import KeelTransport
import KeelTypes

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    let backoff = ReconnectBackoff(initialDelay: .milliseconds(10), maxDelay: .seconds(1))

    @Test("no failure, no wait")
    func zeroFailures() {
        var rng = SplitMix64(seed: 1)
        #expect(backoff.delay(afterFailures: 0, using: &rng) == .zero)
    }

    @Test("the ceiling doubles per failure up to the maximum")
    func ceilings() {
        let ceilings = (1...10).map { backoff.ceilingNanoseconds(afterFailures: $0) / 1_000_000 }
        #expect(ceilings == [10, 20, 40, 80, 160, 320, 640, 1_000, 1_000, 1_000])
        #expect(backoff.ceilingNanoseconds(afterFailures: 10_000) == 1_000_000_000)
    }

    @Test("each delay lies in the upper half of its ceiling, and jitter spreads them", arguments: [1, 2, 3] as [UInt64])
    func jitter(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for failures in 1...12 {
            let ceiling = Duration.nanoseconds(Int64(backoff.ceilingNanoseconds(afterFailures: failures)))
            let delays = (0..<50).map { _ in backoff.delay(afterFailures: failures, using: &rng) }
            #expect(delays.allSatisfy { $0 >= ceiling / 2 && $0 <= ceiling })
            #expect(Set(delays).count > 1)
        }
    }

    @Test("the same seed gives the same delays")
    func deterministic() {
        var first = SplitMix64(seed: 9)
        var second = SplitMix64(seed: 9)
        let a = (1...8).map { backoff.delay(afterFailures: $0, using: &first) }
        let b = (1...8).map { backoff.delay(afterFailures: $0, using: &second) }
        #expect(a == b)
    }
}
