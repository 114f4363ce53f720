/// How a simulated network misbehaves. Probabilities are per message; delays are in
/// simulated nanoseconds.
public struct NetworkFaults: Sendable, Hashable {
    public var minDelayNanoseconds: UInt64
    public var maxDelayNanoseconds: UInt64
    /// Probability that a message is lost.
    public var lossProbability: Double
    /// Probability that a message is delivered twice (each copy with its own delay).
    public var duplicateProbability: Double
    /// Probability that a message is held back by up to `maxReorderDelayNanoseconds` more,
    /// so that later messages overtake it.
    public var reorderProbability: Double
    public var maxReorderDelayNanoseconds: UInt64

    public init(
        minDelayNanoseconds: UInt64 = 1_000_000, maxDelayNanoseconds: UInt64 = 5_000_000, lossProbability: Double = 0,
        duplicateProbability: Double = 0, reorderProbability: Double = 0, maxReorderDelayNanoseconds: UInt64 = 50_000_000
    ) {
        self.minDelayNanoseconds = minDelayNanoseconds
        self.maxDelayNanoseconds = maxDelayNanoseconds
        self.lossProbability = lossProbability
        self.duplicateProbability = duplicateProbability
        self.reorderProbability = reorderProbability
        self.maxReorderDelayNanoseconds = maxReorderDelayNanoseconds
    }

    /// A network that delivers everything once, in 1–5 ms.
    public static let reliable = NetworkFaults()
}
