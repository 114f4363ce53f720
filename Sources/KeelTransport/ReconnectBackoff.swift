import KeelTypes

/// Delays between attempts to reconnect to a peer: exponential, capped, with jitter.
///
/// After `n` consecutive failed attempts the next waits `d = min(maxDelay, initialDelay ·
/// 2^(n-1))` with "equal jitter": a uniformly random point in `[d/2, d]`. Half the delay is
/// kept so that a down peer is not hammered; the random half keeps a crowd of nodes that
/// lost the same peer from retrying in lockstep. Pure: the caller supplies the randomness.
public struct ReconnectBackoff: Hashable, Sendable {
    public var initialDelay: Duration
    public var maxDelay: Duration

    public init(initialDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(5)) {
        precondition(initialDelay > .zero && maxDelay >= initialDelay, "backoff delays must satisfy 0 < initial ≤ max")
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The delay before the next attempt after `failures` consecutive failures (zero for none).
    public func delay(afterFailures failures: Int, using random: inout some RandomNumberGenerator) -> Duration {
        guard failures > 0 else { return .zero }
        let ceiling = ceilingNanoseconds(afterFailures: failures)
        let half = ceiling / 2
        return .nanoseconds(Int64(half + UInt64.random(in: 0...(ceiling - half), using: &random)))
    }

    /// The un-jittered delay `min(maxDelay, initialDelay · 2^(failures-1))`, in nanoseconds.
    func ceilingNanoseconds(afterFailures failures: Int) -> UInt64 {
        let initial = max(1, initialDelay.wholeNanoseconds)
        let cap = min(UInt64(Int64.max), max(initial, maxDelay.wholeNanoseconds))
        let shift = min(failures - 1, 62)
        let (scaled, overflow) = initial.multipliedReportingOverflow(by: 1 << UInt64(shift))
        return overflow ? cap : min(cap, scaled)
    }
}
