/// One membership change: the group changes one server at a time.
///
/// A change is proposed with `RaftInput.proposeConfigChange`, travels in the log as an
/// entry of kind `.configChange` whose data is `encoded()`, and takes effect on every
/// node when that entry commits. `context` is opaque to Raft (for example the new
/// member's address) and is handed back to the shell with the committed entry.
public struct ConfigChange: Hashable, Sendable {
    /// What happens to `node`.
    public enum Operation: UInt8, Hashable, Sendable {
        /// Add a new voter (or turn a learner into a voter).
        case addVoter = 1
        /// Add a new learner.
        case addLearner = 2
        /// Remove a voter or learner.
        case remove = 3
        /// Turn an existing learner into a voter.
        case promoteLearner = 4
    }

    public var operation: Operation
    public var node: RaftNodeID
    public var context: [UInt8]

    public init(_ operation: Operation, node: RaftNodeID, context: [UInt8] = []) {
        self.operation = operation
        self.node = node
        self.context = context
    }

    /// Binary form stored in the entry: operation (1 byte), node id (8 bytes little
    /// endian), then the context bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(9 + context.count)
        bytes.append(operation.rawValue)
        var id = node.rawValue
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: id))
            id >>= 8
        }
        bytes.append(contentsOf: context)
        return bytes
    }

    /// Decodes `encoded()` output; throws `RaftError` with code `malformed_config_change`
    /// on anything else.
    public init(decoding bytes: [UInt8]) throws(RaftError) {
        guard bytes.count >= 9, let operation = Operation(rawValue: bytes[0]) else {
            throw RaftError(.malformedConfigChange, "config change entry of \(bytes.count) bytes is not decodable")
        }
        var id: UInt64 = 0
        for position in (1...8).reversed() {
            id = id << 8 | UInt64(bytes[position])
        }
        self.init(operation, node: RaftNodeID(id), context: Array(bytes[9...]))
    }

    /// The configuration after applying this change to `configuration`, or the reason it
    /// cannot apply.
    public func applied(to configuration: RaftConfiguration) -> Result<RaftConfiguration, RaftError> {
        var next = configuration
        switch operation {
        case .addVoter:
            guard !configuration.isVoter(node) else {
                return .failure(RaftError(.invalidConfigChange, "\(node) is already a voter"))
            }
            next.addVoter(node)
        case .addLearner:
            guard !configuration.contains(node) else {
                return .failure(RaftError(.invalidConfigChange, "\(node) is already a member"))
            }
            next.addLearner(node)
        case .promoteLearner:
            guard configuration.isLearner(node) else {
                return .failure(RaftError(.invalidConfigChange, "\(node) is not a learner"))
            }
            next.addVoter(node)
        case .remove:
            guard configuration.contains(node) else {
                return .failure(RaftError(.invalidConfigChange, "\(node) is not a member"))
            }
            next.remove(node)
            guard !next.voters.isEmpty else {
                return .failure(RaftError(.invalidConfigChange, "removing \(node) would leave no voters"))
            }
        }
        return .success(next)
    }
}
