import CLZ4
import KeelTypes

/// Turns user values into stored values and back: LZ4 above a size threshold, raw when LZ4
/// does not make the value smaller, and a CRC-32C over every stored value.
///
/// Stored format (docs/storage.md, "Value format"):
///
/// ```
/// offset 0  UInt8   format version (1)
///        1  UInt8   flags: bit 0 = LZ4 block; other bits must be 0
///        2  UInt32  original length in bytes (little-endian)
///        6  UInt32  CRC-32C of bytes 0..<6 followed by the payload
///       10  …       payload: the value, raw or as one LZ4 block
/// ```
///
/// Decoding checks the checksum before anything else, then the format, then that LZ4
/// produced exactly the original length. Any failure throws `corrupt_value` (or
/// `unsupported_format` for a checksummed value of an unknown version): damaged bytes are
/// never returned as data.
public struct ValueCodec: Sendable {
    /// When to compress, and the largest value accepted.
    public struct Configuration: Hashable, Sendable {
        /// Values of at least this many bytes are offered to LZ4; smaller ones are stored raw.
        public var compressionThresholdBytes: Int
        /// The largest value `encode` accepts.
        public var maxValueBytes: Int

        public init(compressionThresholdBytes: Int = 512, maxValueBytes: Int = KeelLimits.defaultMaxValueBytes) {
            self.compressionThresholdBytes = compressionThresholdBytes
            self.maxValueBytes = maxValueBytes
        }
    }

    /// Bytes the stored format adds in front of the payload.
    public static let headerBytes = 10
    static let formatVersion: UInt8 = 1
    static let flagLZ4: UInt8 = 1

    public var configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.maxValueBytes >= 0 && configuration.maxValueBytes <= Int(Int32.max) / 2,
                     "maxValueBytes must fit an LZ4 block")
        self.configuration = configuration
    }

    /// Encodes `value` into `output`, replacing its contents (its capacity is reused, so a
    /// caller encoding many values allocates once).
    public func encode(_ value: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(StorageError) {
        guard value.count <= configuration.maxValueBytes else {
            throw StorageError(.tooLarge, "value of \(value.count) bytes exceeds the limit of \(configuration.maxValueBytes) bytes")
        }
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: repeatElement(0, count: Self.headerBytes + value.count))
        var flags: UInt8 = 0
        var payloadCount = value.count
        if value.count >= configuration.compressionThresholdBytes, value.count > 0 {
            // A destination one byte shorter than the input: LZ4 returns 0 unless it shrinks the value.
            let compressed = output.withUnsafeMutableBytes { out in
                LZ4_compress_default(
                    value.baseAddress!.assumingMemoryBound(to: CChar.self),
                    (out.baseAddress! + Self.headerBytes).assumingMemoryBound(to: CChar.self),
                    Int32(value.count), Int32(value.count - 1))
            }
            if compressed > 0 {
                flags = Self.flagLZ4
                payloadCount = Int(compressed)
                output.removeLast(value.count - payloadCount)
            }
        }
        if flags == 0, let base = value.baseAddress {
            output.withUnsafeMutableBytes { out in
                (out.baseAddress! + Self.headerBytes).copyMemory(from: base, byteCount: value.count)
            }
        }
        output[0] = Self.formatVersion
        output[1] = flags
        output.storeLittleEndian(UInt32(value.count), at: 2)
        output.storeLittleEndian(Self.checksum(output), at: 6)
    }

    /// Encodes `value` into a new array.
    public func encode(_ value: [UInt8]) throws(StorageError) -> [UInt8] {
        var output: [UInt8] = []
        try value.withStorageBytes { raw throws(StorageError) in try encode(raw, into: &output) }
        return output
    }

    /// Decodes a stored value, verifying its checksum and length.
    public func decode(_ stored: UnsafeRawBufferPointer) throws(StorageError) -> [UInt8] {
        let header = try Self.verify(stored)
        let payload = UnsafeRawBufferPointer(rebasing: stored[Self.headerBytes...])
        guard header.compressed else { return Array(payload) }
        let length = header.originalLength
        var produced: Int32 = 0
        let value = [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            produced = LZ4_decompress_safe(
                payload.baseAddress!.assumingMemoryBound(to: CChar.self),
                UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(payload.count), Int32(length))
            initialized = produced > 0 ? Int(produced) : 0
        }
        guard produced == Int32(length) else {
            throw StorageError(.corruptValue, "LZ4 payload decodes to \(produced) bytes, header says \(length)")
        }
        return value
    }

    /// Decodes a stored value held in an array.
    public func decode(_ stored: [UInt8]) throws(StorageError) -> [UInt8] {
        try stored.withStorageBytes { raw throws(StorageError) in try decode(raw) }
    }

    /// What the header of a verified stored value says.
    public struct Header: Hashable, Sendable {
        /// Whether the payload is an LZ4 block.
        public var compressed: Bool
        /// The value's length before compression.
        public var originalLength: Int
    }

    /// Checks a stored value's checksum and format without decompressing it (export and
    /// import pass stored values through unchanged and verify them this way).
    public static func verify(_ stored: UnsafeRawBufferPointer) throws(StorageError) -> Header {
        guard stored.count >= headerBytes else {
            throw StorageError(.corruptValue, "stored value of \(stored.count) bytes is shorter than its \(headerBytes)-byte header")
        }
        let expected = stored.loadLittleEndian(at: 6, as: UInt32.self)
        let actual = checksum(stored)
        guard expected == actual else {
            throw StorageError(.corruptValue, "stored value checksum mismatch (stored \(hex(expected)), computed \(hex(actual)))")
        }
        guard stored[0] == formatVersion, stored[1] & ~flagLZ4 == 0 else {
            throw StorageError(.unsupportedFormat, "stored value has format \(stored[0]) flags \(stored[1]); this build reads format \(formatVersion)")
        }
        let length = Int(stored.loadLittleEndian(at: 2, as: UInt32.self))
        let compressed = stored[1] & flagLZ4 != 0
        guard compressed || stored.count - headerBytes == length else {
            throw StorageError(.corruptValue, "raw stored value holds \(stored.count - headerBytes) bytes, header says \(length)")
        }
        return Header(compressed: compressed, originalLength: length)
    }

    /// CRC-32C of the first six header bytes followed by the payload.
    static func checksum(_ stored: UnsafeRawBufferPointer) -> UInt32 {
        let head = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: stored[0..<6]))
        return CRC32C.update(head, UnsafeRawBufferPointer(rebasing: stored[headerBytes...]))
    }

    static func checksum(_ stored: [UInt8]) -> UInt32 {
        stored.withUnsafeBytes { checksum($0) }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
