/// How hard the router tries before it answers 503: attempts, backoff and deadline.
public struct RoutingPolicy: Sendable {
    /// Attempts per request (the first included) after routing errors or unreachable nodes;
    /// the deadline is the real bound, this only caps a storm of instant refusals.
    public var maxAttempts = 64
    /// Backoff before the n-th retry: `baseBackoff × 2ⁿ`, capped, with full jitter.
    public var baseBackoff: Duration = .milliseconds(25)
    public var maxBackoff: Duration = .milliseconds(800)
    /// Total time a request may spend retrying.
    public var deadline: Duration = .seconds(8)
    /// Time a data node has to answer one request (a write waits for its commit).
    public var requestTimeout: Duration = .seconds(10)
    public init() {}

    /// The pause before retry number `attempt` (1-based), jittered by `unit` ∈ [0, 1):
    /// between half and all of the capped exponential delay ("equal jitter").
    func backoff(attempt: Int, unit: Double) -> Duration {
        let exponent = min(attempt - 1, 16)
        let capped = min(baseBackoff * (1 << exponent), maxBackoff)
        return capped * (0.5 + 0.5 * unit)
    }
}
