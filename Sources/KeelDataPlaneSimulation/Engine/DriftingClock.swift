import KeelTypes

/// A node's monotonic clock: it runs at its own rate, within `±maxDriftPPM` parts per
/// million of real time, and the rate may change during a run (piecewise linear).
///
/// Two such clocks diverge by at most `2 · maxDriftPPM · T / 10⁶` over a real interval `T`;
/// `DataPlaneSimulationOptions` derives `maxDriftPPM` from `ClusterSettings.clockDriftBound`
/// so that over one lease they stay within the bound the meta leader assumes. Each clock
/// also starts at its own arbitrary origin, so no code can get away with comparing
/// readings of two different clocks.
struct DriftingClock: Sendable {
    /// Real instant and local reading at the last rate change.
    private var anchorReal: UInt64
    private var anchorLocal: UInt64
    /// Deviation from real time in parts per million (positive: the clock runs fast).
    private(set) var driftPPM: Int64

    init(origin: UInt64, driftPPM: Int64) {
        anchorReal = 0
        anchorLocal = origin
        self.driftPPM = driftPPM
    }

    /// The clock's reading at real instant `real` (which must not precede the last rate change).
    func reading(at real: SimInstant) -> MonotonicTime {
        let elapsed = Int64(clamping: real.nanoseconds &- anchorReal)
        let local = elapsed + elapsed / 1_000_000 * driftPPM + (elapsed % 1_000_000) * driftPPM / 1_000_000
        return MonotonicTime(nanoseconds: anchorLocal &+ UInt64(max(0, local)))
    }

    /// From real instant `real` on, the clock runs at `driftPPM`.
    mutating func setDrift(_ driftPPM: Int64, at real: SimInstant) {
        anchorLocal = reading(at: real).nanoseconds
        anchorReal = real.nanoseconds
        self.driftPPM = driftPPM
    }

    /// The real time this clock takes to advance by `local` (rounded up).
    func realDuration(ofLocal local: Duration) -> Duration {
        let nanos = local.wholeNanoseconds
        let rate = UInt64(1_000_000 + driftPPM)
        let (whole, rest) = nanos.multipliedFullWidth(by: 1_000_000).high == 0
            ? (nanos * 1_000_000).quotientAndRemainder(dividingBy: rate)
            : (nanos / rate * 1_000_000, 0)
        return .nanoseconds(Int64(clamping: whole + (rest > 0 ? 1 : 0)))
    }
}
