import KeelRaft

/// A place on the simulated network: a Raft node or a client.
public enum SimEndpoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    case node(RaftNodeID)
    case client(Int)

    public static func < (a: SimEndpoint, b: SimEndpoint) -> Bool {
        switch (a, b) {
        case (.node(let x), .node(let y)): return x < y
        case (.client(let x), .client(let y)): return x < y
        case (.node, .client): return true
        case (.client, .node): return false
        }
    }

    public var description: String {
        switch self {
        case .node(let id): return "\(id)"
        case .client(let number): return "c\(number)"
        }
    }
}

/// What travels on the Raft simulation's network.
enum RaftSimMessage: Sendable {
    case raft(RaftMessage)
    case request(ClientRequest)
    case reply(ClientReply)
}

/// A client's attempt at one operation, sent to one node.
struct ClientRequest: Sendable {
    var client: Int
    /// Unique across the run; also the proposal and read request id.
    var attempt: UInt64
    var sequence: UInt64
    var key: String
    var input: SimKV.Input
}

/// A node's answer to one attempt.
struct ClientReply: Sendable {
    enum Result: Sendable {
        /// The operation took effect (or, for a read, was served) with this output.
        case done(SimKV.Output)
        /// Not served here; try `leader` (if known) or another node.
        case refused(leader: RaftNodeID?)
    }

    var attempt: UInt64
    var result: Result
}
