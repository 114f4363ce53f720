/// Why the meta state machine rejected a command. A rejected command changes nothing.
public struct ClusterError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let notBootstrapped = Code(rawValue: "not_bootstrapped")
        public static let alreadyBootstrapped = Code(rawValue: "already_bootstrapped")
        public static let unknownNode = Code(rawValue: "unknown_node")
        public static let unknownShard = Code(rawValue: "unknown_shard")
        public static let staleEpoch = Code(rawValue: "stale_epoch")
        public static let invalidReplicaSet = Code(rawValue: "invalid_replica_set")
        public static let nodeUnavailable = Code(rawValue: "node_unavailable")
        public static let invalidSplit = Code(rawValue: "invalid_split")
        public static let invalidMerge = Code(rawValue: "invalid_merge")
        public static let invalidSettings = Code(rawValue: "invalid_settings")
        public static let invalidNodeState = Code(rawValue: "invalid_node_state")
        public static let addressInUse = Code(rawValue: "address_in_use")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
