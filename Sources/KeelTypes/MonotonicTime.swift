/// A reading of a monotonic clock, in nanoseconds since an arbitrary origin.
///
/// Pure cores never read a clock: shells pass the current `MonotonicTime` in with each
/// event (the simulator passes simulated time). Leases are measured in it, never in wall
/// clock time, so a wall-clock jump cannot extend a lease.
public struct MonotonicTime: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(nanoseconds: UInt64) { self.rawValue = nanoseconds }

    public static let zero = MonotonicTime(nanoseconds: 0)
    public var nanoseconds: UInt64 { rawValue }
    public static func < (a: MonotonicTime, b: MonotonicTime) -> Bool { a.rawValue < b.rawValue }

    /// This instant moved forward by `duration` (saturating at the largest instant).
    public func advanced(by duration: Duration) -> MonotonicTime {
        let (sum, overflow) = rawValue.addingReportingOverflow(duration.wholeNanoseconds)
        return MonotonicTime(nanoseconds: overflow ? .max : sum)
    }

    /// Time elapsed from `earlier` to this instant; zero if `earlier` is later.
    public func duration(since earlier: MonotonicTime) -> Duration {
        rawValue >= earlier.rawValue ? .nanoseconds(Int64(clamping: rawValue - earlier.rawValue)) : .zero
    }

    public var description: String { "t+\(Double(rawValue) / 1e6)ms" }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `0...UInt64.max` (negative durations are zero).
    public var wholeNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (fromSeconds, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (total, overflow2) = fromSeconds.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? .max : total
    }
}
