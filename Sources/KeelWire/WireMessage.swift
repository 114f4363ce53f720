/// Identifier of a message type on the wire. Assigned once, never reused (docs/wire.md
/// lists the ranges each subsystem owns).
public struct WireMessageType: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: WireMessageType, b: WireMessageType) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "msg\(rawValue)" }
}

/// A top-level peer message: a `WireCodable` body with a type id and a schema version.
///
/// `wireVersion` is the version this code writes; it grows each time a field is appended.
/// A reader accepts every version from `minimumReadableVersion` up, including versions newer
/// than its own (their extra trailing fields are skipped), so appending a field never needs
/// a coordinated upgrade. A change that is not an append gets a new message type instead.
public protocol WireMessage: WireCodable, Sendable {
    static var wireType: WireMessageType { get }
    /// The schema version this code writes. Starts at 1.
    static var wireVersion: UInt32 { get }
    /// The oldest version this code can decode (raise it once every peer sends a field
    /// that has no sensible default). Starts at 1.
    static var minimumReadableVersion: UInt32 { get }
}

extension WireMessage {
    public static var wireVersion: UInt32 { 1 }
    public static var minimumReadableVersion: UInt32 { 1 }
}
