/// Strict RFC 3986 percent-decoding of URL paths and query components.
///
/// Unlike lenient decoders it rejects a `%` not followed by two hex digits, so a key is
/// never stored under a different name than the client meant. `+` is a literal plus (spaces
/// are `%20`), because keys may contain `+`.
enum PercentDecoding {
    struct Failure: Error, Equatable {
        /// Byte offset of the bad escape in the encoded text.
        var offset: Int
    }

    static func decode(_ encoded: some Collection<UInt8>) throws(Failure) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count)
        var iterator = encoded.makeIterator()
        var offset = 0
        while let byte = iterator.next() {
            defer { offset += 1 }
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw Failure(offset: offset)
            }
            output.append(high << 4 | low)
            offset += 2
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Encodes bytes for use in a URL path or query (everything but unreserved characters escaped).
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output = ""
        output.reserveCapacity(bytes.count)
        for byte in bytes {
            if isUnreserved(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return output
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
