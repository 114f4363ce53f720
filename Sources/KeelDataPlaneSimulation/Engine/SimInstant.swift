import KeelTypes

/// An instant of simulated *real* time, in nanoseconds since the run began.
///
/// Only the simulator sees it. Nodes and the meta leader see `MonotonicTime` readings of
/// their own drifting clocks (`DriftingClock`), so real time and local time never mix.
public struct SimInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = SimInstant(nanoseconds: 0)
    public static func milliseconds(_ value: UInt64) -> SimInstant { SimInstant(nanoseconds: value * 1_000_000) }
    public static func < (a: SimInstant, b: SimInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// This instant moved forward by `duration` (negative durations count as zero).
    public func advanced(by duration: Duration) -> SimInstant {
        SimInstant(nanoseconds: nanoseconds &+ duration.wholeNanoseconds)
    }

    /// Real time from `earlier` to this instant (zero if `earlier` is later).
    public func duration(since earlier: SimInstant) -> Duration {
        nanoseconds >= earlier.nanoseconds ? .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds)) : .zero
    }

    public var description: String {
        let micros = nanoseconds / 1_000
        return "\(micros / 1_000).\(String(micros % 1_000).leftPadded(to: 3))ms"
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
