/// A failure to decode (or, for `oversize`, to encode) a value in the Keel wire format.
///
/// Every read from a `WireReader` is bounds-checked: bad input of any kind ends in a
/// `WireError`, never in a trap. `code` is stable and searchable; `message` says what was
/// being read; `offset` is the byte offset in the outermost buffer where decoding failed.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Raw values are snake_case and never change.
    public enum Code: String, Hashable, Sendable {
        /// The input ended in the middle of a value (or a length prefix points past its end).
        case truncated
        /// A length, count or value is larger than the limit the reader was given.
        case oversize
        /// The bytes cannot be a valid encoding: a bad tag, a non-minimal or overlong varint,
        /// invalid UTF-8, a value that breaks a type's invariant.
        case malformed
        /// A message type id this reader does not know.
        case unknownMessage = "unknown_message"
        /// A message type id other than the one the caller asked to decode.
        case unexpectedMessage = "unexpected_message"
        /// A message version older than the oldest this reader accepts.
        case unsupportedVersion = "unsupported_version"
        /// Structs nested deeper than `WireLimits.maxDepth`.
        case nestingTooDeep = "nesting_too_deep"
    }

    public var code: Code
    public var message: String
    /// Byte offset (from the start of the outermost buffer) at which decoding failed, if known.
    public var offset: Int?

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(code.rawValue) at byte \(offset): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
