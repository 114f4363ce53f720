/// An error a Keel client can see: a searchable code, a human message, and what the
/// client needs to act on it.
///
/// Codes are part of the public API (docs/API.md lists them with their HTTP status); new
/// codes may be added, existing ones never change meaning. `maybeApplied` tells a client
/// whether a failed write might still take effect (false only where Keel knows it was not
/// applied), so it knows whether a retry could apply it twice. Routing errors carry the
/// sender's current view of the shard, so a router can re-route without asking the meta
/// group.
public struct KeelError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Client mistakes (4xx).
        public static let invalidKey = Code(rawValue: "invalid_key")
        public static let keyTooLong = Code(rawValue: "key_too_long")
        public static let valueTooLarge = Code(rawValue: "value_too_large")
        public static let bodyTooLarge = Code(rawValue: "body_too_large")
        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let malformedLine = Code(rawValue: "malformed_line")
        public static let unauthorized = Code(rawValue: "unauthorized")
        public static let notFound = Code(rawValue: "not_found")
        public static let versionMismatch = Code(rawValue: "version_mismatch")
        public static let invalidContinuation = Code(rawValue: "invalid_continuation")

        // Routing: the request reached a replica that cannot serve it; the view tells where to go.
        public static let notPrimary = Code(rawValue: "not_primary")
        public static let staleEpoch = Code(rawValue: "stale_epoch")
        public static let keyOutOfRange = Code(rawValue: "key_out_of_range")
        public static let shardUnavailable = Code(rawValue: "shard_unavailable")
        public static let notLeader = Code(rawValue: "not_leader")

        // Capacity and health (429/503/504).
        public static let overloaded = Code(rawValue: "overloaded")
        public static let notEnoughReplicas = Code(rawValue: "not_enough_replicas")
        public static let unavailable = Code(rawValue: "unavailable")
        public static let timeout = Code(rawValue: "timeout")

        // Server faults (5xx).
        public static let corruptData = Code(rawValue: "corrupt_data")
        public static let diskFull = Code(rawValue: "disk_full")
        public static let internalError = Code(rawValue: "internal")
    }

    public var code: Code
    public var message: String
    /// For a failed write: whether it may still have taken effect.
    public var maybeApplied: Bool
    /// The shard as the replica that answered sees it (routing errors only).
    public var shard: ShardDescriptor?

    public init(_ code: Code, _ message: String, maybeApplied: Bool = false, shard: ShardDescriptor? = nil) {
        self.code = code
        self.message = message
        self.maybeApplied = maybeApplied
        self.shard = shard
    }

    /// Whether a router should refresh its view of the shard and try again.
    public var isRoutingError: Bool {
        [.notPrimary, .staleEpoch, .keyOutOfRange, .shardUnavailable, .notLeader].contains(code)
    }

    public var description: String { "\(code): \(message)" }
}
