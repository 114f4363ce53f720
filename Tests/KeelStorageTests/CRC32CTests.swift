import Testing
@testable import KeelStorage
import KeelTypes

@Suite struct CRC32CTests {
    /// Check values from RFC 3720 (iSCSI), appendix B.4, and the classic "123456789".
    static let vectors: [([UInt8], UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
        ([], 0),
    ]

    @Test(arguments: vectors)
    func knownVectors(input: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(input) == expected)
    }

    /// Slicing-by-8 agrees with the bit-at-a-time definition for every length, alignment
    /// and split point tried, and `update` continues a checksum exactly.
    @Test(arguments: 0..<8)
    func matchesBitwiseDefinition(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<50 {
            let bytes = random.bytes(Int.random(in: 0...300, using: &random))
            let skip = Int.random(in: 0...min(7, bytes.count), using: &random)
            let body = Array(bytes[skip...])
            #expect(CRC32C.checksum(bytes[skip...]) == bitwise(body))
            let split = Int.random(in: 0...body.count, using: &random)
            #expect(CRC32C.update(CRC32C.checksum(body[..<split]), body[split...]) == bitwise(body))
        }
    }

    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
