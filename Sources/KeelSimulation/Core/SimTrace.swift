/// A fingerprint of everything a simulation did, for checking that a seed replays exactly.
///
/// Components feed it small integers (event kinds, node ids, times, terms, indexes) with
/// `record`; the trace keeps a 64-bit FNV-1a hash of them, which is stable across
/// processes and platforms (Swift's `Hasher` is randomly seeded per process, so it is
/// never used here). With `keepsLines`, it also keeps the last `maxLines` human-readable
/// lines (built only then), which a failing seed prints to show what happened last.
public struct SimTrace: Sendable {
    private static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash of everything recorded so far.
    public private(set) var hash: UInt64 = SimTrace.offsetBasis
    /// How many records were made.
    public private(set) var records: Int = 0
    public let keepsLines: Bool
    public let maxLines: Int
    private var ring: [String] = []
    private var ringStart = 0

    public init(keepsLines: Bool = false, maxLines: Int = 200) {
        self.keepsLines = keepsLines
        self.maxLines = maxLines
    }

    /// Mixes `words` into the hash.
    public mutating func record(_ words: UInt64...) {
        for word in words { mix(word) }
        records += 1
    }

    /// Mixes the bytes of `data` into the hash.
    public mutating func record(bytes data: [UInt8]) {
        for byte in data {
            hash = (hash ^ UInt64(byte)) &* Self.prime
        }
    }

    /// Keeps a line for the failure report; `line` is only built when lines are kept.
    public mutating func note(_ line: @autoclosure () -> String) {
        guard keepsLines else { return }
        if ring.count < maxLines {
            ring.append(line())
        } else {
            ring[ringStart] = line()
            ringStart = (ringStart + 1) % maxLines
        }
    }

    /// The kept lines, oldest first.
    public var lines: [String] { Array(ring[ringStart...] + ring[..<ringStart]) }

    private mutating func mix(_ word: UInt64) {
        var value = word
        for _ in 0..<8 {
            hash = (hash ^ (value & 0xFF)) &* Self.prime
            value >>= 8
        }
    }

    /// FNV-1a of a string's UTF-8 bytes: a process-independent hash for names.
    public static func stableHash(_ text: String) -> UInt64 {
        var hash = offsetBasis
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }
}
