/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every stored
/// value and every log record.
///
/// Software slicing-by-8: eight bytes per step through eight 256-entry tables (8 KiB,
/// built once). `checksum("123456789")` is `0xE3069283`. A running checksum continues with
/// `update`: `update(checksum(a), b) == checksum(a + b)`.
public enum CRC32C {
    /// The checksum of `bytes`, continuing from `crc` (0 for a fresh checksum).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var state = ~crc
        guard var pointer = bytes.baseAddress else { return crc }
        var remaining = bytes.count
        let t = tables
        // Align to 8 bytes so the word loads below are aligned.
        while remaining > 0 && UInt(bitPattern: pointer) & 7 != 0 {
            state = t[Int((state ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (state >> 8)
            pointer += 1
            remaining -= 1
        }
        while remaining >= 8 {
            let word = UInt64(littleEndian: pointer.load(as: UInt64.self)) ^ UInt64(state)
            state = t[7 * 256 + Int(word & 0xFF)]
                ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((word >> 16) & 0xFF)]
                ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                ^ t[3 * 256 + Int((word >> 32) & 0xFF)]
                ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                ^ t[1 * 256 + Int((word >> 48) & 0xFF)]
                ^ t[Int(word >> 56)]
            pointer += 8
            remaining -= 8
        }
        while remaining > 0 {
            state = t[Int((state ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (state >> 8)
            pointer += 1
            remaining -= 1
        }
        return ~state
    }

    /// The checksum of `bytes`, continuing from `crc` (0 for a fresh checksum).
    public static func update(_ crc: UInt32, _ bytes: some Sequence<UInt8>) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ update(crc, UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return update(crc, Array(bytes))
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 { update(0, bytes) }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    /// Eight lookup tables, 256 entries each, laid out one after the other. Built once and
    /// never freed or written again, so sharing the pointer between threads is safe.
    nonisolated(unsafe) private static let tables: UnsafePointer<UInt32> = {
        let polynomial: UInt32 = 0x82F6_3B78
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ polynomial : c >> 1 }
            t[n] = c
        }
        for slice in 1..<8 {
            for n in 0..<256 {
                let previous = t[(slice - 1) * 256 + n]
                t[slice * 256 + n] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return UnsafePointer(t)
    }()
}
