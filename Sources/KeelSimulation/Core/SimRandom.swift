import KeelTypes

/// The simulator's one source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Everything a simulation decides at random (delays, losses, faults, election timeouts
/// handed to the cores) is drawn from generators derived from one seed, so a seed names a
/// run exactly. The sequence is fixed by the algorithm, not by the platform or the process,
/// so a seed replays the same way anywhere. `derive(stream:)` gives an independent
/// generator for a component (a node's core, a client) without consuming from this one,
/// so adding draws in one component does not shift the others.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The seed this generator started from.
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// An independent generator for sub-stream `stream` of this generator's seed.
    public func derive(stream: UInt64) -> SimRandom {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return SimRandom(seed: mixer.next())
    }

    /// A uniform integer in `0..<bound` (bound > 0), without modulo bias.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "SimRandom.below needs a positive bound")
        let threshold = (0 &- bound) % bound
        while true {
            let draw = next()
            let product = draw.multipliedFullWidth(by: bound)
            if product.low >= threshold { return product.high }
        }
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// A uniform `UInt64` in `range`.
    public mutating func uint64(in range: ClosedRange<UInt64>) -> UInt64 {
        let width = range.upperBound - range.lowerBound
        return width == .max ? next() : range.lowerBound + below(width + 1)
    }

    /// True with probability `probability` (0 never, 1 always).
    public mutating func chance(_ probability: Double) -> Bool {
        if probability <= 0 { return false }
        if probability >= 1 { return true }
        return unitInterval() < probability
    }

    /// A uniform Double in [0, 1), with 53 random bits.
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniformly chosen element, or nil when `elements` is empty.
    public mutating func pick<C: Collection>(_ elements: C) -> C.Element? where C.Index == Int {
        guard !elements.isEmpty else { return nil }
        return elements[elements.startIndex + Int(below(UInt64(elements.count)))]
    }
}
