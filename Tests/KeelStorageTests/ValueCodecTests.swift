import Testing
@testable import KeelStorage
import KeelTypes

@Suite struct ValueCodecTests {
    let codec = ValueCodec(.init(compressionThresholdBytes: 64, maxValueBytes: 1 << 20))

    @Test(arguments: [0, 1, 63, 64, 100, 4096, 65_536, 1 << 20])
    func roundTripsCompressibleAndRandomValues(size: Int) throws {
        var random = SplitMix64(seed: UInt64(size))
        let compressible = (0..<size).map { UInt8(($0 / 7) % 5) }
        let noise = random.bytes(size)
        for value in [compressible, noise] {
            let stored = try codec.encode(value)
            #expect(try codec.decode(stored) == value)
        }
    }

    @Test func compressesAboveThresholdOnlyWhenItShrinks() throws {
        let compressible = [UInt8](repeating: 42, count: 4096)
        let stored = try codec.encode(compressible)
        #expect(stored[1] == ValueCodec.flagLZ4)
        #expect(stored.count < 200)

        var random = SplitMix64(seed: 1)
        let noise = random.bytes(4096)
        let raw = try codec.encode(noise)
        #expect(raw[1] == 0)
        #expect(raw.count == noise.count + ValueCodec.headerBytes)

        let small = try codec.encode([UInt8](repeating: 42, count: 63))
        #expect(small[1] == 0)
    }

    /// Flipping any single bit of a stored value is detected; damaged bytes never decode.
    @Test(arguments: [false, true])
    func detectsEveryBitFlip(compressible: Bool) throws {
        var random = SplitMix64(seed: 9)
        let value = compressible ? [UInt8](repeating: 7, count: 300) : random.bytes(300)
        let stored = try codec.encode(value)
        for bit in 0..<(stored.count * 8) {
            var damaged = stored
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            let error = #expect(throws: StorageError.self) { try codec.decode(damaged) }
            #expect(error?.code == .corruptValue)
        }
    }

    @Test func rejectsTruncatedAndOversizedInput() throws {
        let stored = try codec.encode([UInt8](repeating: 1, count: 500))
        for length in [0, 5, ValueCodec.headerBytes - 1, stored.count - 1] {
            #expect(throws: StorageError.self) { try codec.decode(Array(stored.prefix(length))) }
        }
        let error = #expect(throws: StorageError.self) { try codec.encode([UInt8](repeating: 0, count: (1 << 20) + 1)) }
        #expect(error?.code == .tooLarge)
    }

    @Test func reportsUnknownFormatVersion() throws {
        var stored = try codec.encode([1, 2, 3])
        stored[0] = 2
        stored.storeLittleEndian(ValueCodec.checksum(stored), at: 6)
        let error = #expect(throws: StorageError.self) { try codec.decode(stored) }
        #expect(error?.code == .unsupportedFormat)
    }
}
