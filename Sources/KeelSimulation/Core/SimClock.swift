/// When each node's ticks fire, in simulated nanoseconds.
///
/// Every node has its own tick period: the nominal period scaled by a drift drawn once per
/// node from `[-maxDriftFraction, +maxDriftFraction]`, plus a small jitter per tick. A
/// node that was paused receives the ticks it missed when it resumes (as a shell driven by
/// a monotonic clock would), so its tick count keeps pace with real time.
public struct SimClock: Sendable {
    /// Clock behaviour shared by all nodes of a run.
    public struct Settings: Sendable {
        public var tickNanoseconds: UInt64
        /// Largest relative rate error of a node's clock (0.02 = up to 2% fast or slow).
        public var maxDriftFraction: Double
        /// Largest random delay of one tick, as a fraction of the period.
        public var maxJitterFraction: Double

        public init(tickNanoseconds: UInt64 = 10_000_000, maxDriftFraction: Double = 0.02, maxJitterFraction: Double = 0.05) {
            self.tickNanoseconds = tickNanoseconds
            self.maxDriftFraction = maxDriftFraction
            self.maxJitterFraction = maxJitterFraction
        }
    }

    public let settings: Settings
    /// This node's tick period, drift included.
    public let periodNanoseconds: UInt64
    /// When the next tick is due (jitter not included: jitter never accumulates).
    public private(set) var nextTickAt: UInt64
    public private(set) var ticks: UInt64 = 0

    /// A clock whose drift is drawn from `[-maxDriftFraction, +maxDriftFraction]`, or is
    /// `drift` when given (positive: slow, a longer period; for scenarios that need one
    /// node's clock to lag the others').
    public init(settings: Settings, startAt start: UInt64, drift fixedDrift: Double? = nil, random: inout SimRandom) {
        self.settings = settings
        let drawn = (random.unitInterval() * 2 - 1) * settings.maxDriftFraction
        let drift = fixedDrift ?? drawn
        periodNanoseconds = max(1, UInt64(Double(settings.tickNanoseconds) * (1 + drift)))
        // Nodes start at different phases of their tick period.
        nextTickAt = start + random.uint64(in: 0...periodNanoseconds)
    }

    /// When the tick due at `nextTickAt` is delivered, jitter included.
    public func deliveryTime(random: inout SimRandom) -> UInt64 {
        let jitter = UInt64(Double(periodNanoseconds) * settings.maxJitterFraction * random.unitInterval())
        return nextTickAt + jitter
    }

    /// Counts a tick and moves to the next period.
    public mutating func advance() {
        ticks += 1
        nextTickAt += periodNanoseconds
    }

    /// The number of ticks due by `now` and not yet delivered (for a node resuming from a pause).
    public func ticksDue(by now: UInt64) -> Int {
        now < nextTickAt ? 0 : Int((now - nextTickAt) / periodNanoseconds) + 1
    }

    /// Moves the schedule so the next tick is at or after `now` (after a crash: a restarted
    /// node's clock starts afresh).
    public mutating func restart(at now: UInt64) {
        if nextTickAt < now { nextTickAt = now + periodNanoseconds }
    }
}
