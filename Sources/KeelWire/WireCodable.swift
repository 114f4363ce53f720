/// How a `WireCodable` value is laid out when it is nested inside another value.
public enum WireFraming: Sendable {
    /// Preceded by its length in bytes (a varint). A reader skips fields it does not know
    /// at the end of the struct, so fields may be appended in later versions. The default.
    case lengthPrefixed
    /// Written as is, with no length. For values whose shape can never change (identifier
    /// wrappers, timestamps, key ranges); such a type can never gain a field.
    case inline
}

/// A value with a Keel wire encoding.
///
/// `encode(to:)` writes the fields in a fixed order; `init(from:)` reads them back in the
/// same order and throws a `WireError` on any bad input. For a `.lengthPrefixed` type the
/// reader it is given is bounded to the struct, so a field appended by a newer writer is
/// skipped, and a field the writer predates can be read with `reader.readIfPresent`.
/// The rules for changing an encoding are in docs/wire.md.
///
/// Nested values are written with `writer.write(_:)` and read with `reader.read(_:)`, which
/// apply the framing and count nesting depth; call `encode`/`init(from:)` directly only at
/// the top level.
public protocol WireCodable {
    /// How this type is framed when nested; `.lengthPrefixed` unless the type says otherwise.
    static var wireFraming: WireFraming { get }
    /// Appends the encoding of `self`. Encoding cannot fail: values are valid by construction.
    func encode(to writer: inout WireWriter)
    /// Decodes a value, throwing `WireError` on malformed input.
    init(from reader: inout WireReader) throws(WireError)
}

extension WireCodable {
    public static var wireFraming: WireFraming { .lengthPrefixed }

    /// The encoding of `self` as a standalone buffer (no length prefix).
    public func wireEncoded() -> [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// Decodes a standalone buffer produced by `wireEncoded()`. Bytes after the last known
    /// field are ignored for `.lengthPrefixed` types (they are a newer writer's fields) and
    /// rejected as `malformed` for `.inline` ones.
    public init(wireEncoded bytes: some Collection<UInt8>, limits: WireLimits = .default) throws(WireError) {
        var reader = WireReader(ArraySlice(bytes), limits: limits)
        self = try Self(from: &reader)
        if Self.wireFraming == .inline { try reader.expectEnd(for: Self.self) }
    }
}

/// A type that travels as the varint of its `UInt64` raw value: identifiers, terms,
/// indexes, versions. Conforming is one line (`extension Term: VarintWireCodable {}`).
public protocol VarintWireCodable: WireCodable {
    var rawValue: UInt64 { get }
    init(rawValue: UInt64)
}

extension VarintWireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeVarint(rawValue) }
    public init(from reader: inout WireReader) throws(WireError) { self.init(rawValue: try reader.readVarint()) }
}
