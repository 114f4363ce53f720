/// Bounds a `WireReader` enforces on whatever it is handed, so that hostile input cannot
/// make a decoder recurse without end.
///
/// Lengths and counts need no global bound: a length prefix larger than the bytes that
/// remain is rejected as `truncated` before anything is allocated, and every call that
/// reads bytes, strings or arrays takes its own semantic bound (`maxCount`).
public struct WireLimits: Hashable, Sendable {
    /// Deepest nesting of structs (and of `WireCodable` values read through `read(_:)`).
    public var maxDepth: Int

    public init(maxDepth: Int = 32) {
        precondition(maxDepth > 0, "maxDepth must be positive")
        self.maxDepth = maxDepth
    }

    public static let `default` = WireLimits()
}
