import KeelCluster
import KeelReplication
import KeelTypes

/// Everything that travels over the simulated network.
enum Payload: Sendable {
    /// Between replicas of one shard.
    case replication(shard: ShardID, ReplicationMessage)
    /// A primary's store, copied to a learner.
    case snapshot(ShardSnapshot)
    /// Node → meta. `sequence` lets the node match the reply to its send time.
    case heartbeat(NodeHeartbeat, sequence: UInt64)
    /// Meta → node: leases, plus the descriptors of the node's shards (the map watch).
    case heartbeatReply(HeartbeatReply, sequence: UInt64, shards: [ShardDescriptor])
    /// Meta → node: a shard's configuration changed.
    case mapUpdate([ShardDescriptor])
    /// Node → meta: something only the meta group can do for a shard.
    case metaRequest(shard: ShardID, MetaRequestNeed)
    /// Client → meta, meta → client: the shard map (a router's refresh).
    case mapQuery
    case mapAnswer([ShardDescriptor])
    /// Client ↔ node.
    case clientRequest(ClientRequest)
    case clientReply(ClientReply)

    /// Whether the network may deliver this message twice (see `DataPlaneNetwork`).
    var mayBeDuplicated: Bool {
        if case .clientRequest = self { return false }
        return true
    }

    /// A short name for traces and statistics.
    var kind: String {
        switch self {
        case .replication(_, let message):
            switch message {
            case .prepare: "prepare"
            case .prepareAck: "prepare_ack"
            case .prepareGap: "prepare_gap"
            case .commit: "commit"
            case .reconcile: "reconcile"
            case .reconcileReply: "reconcile_reply"
            case .staleEpoch: "stale_epoch"
            }
        case .snapshot: "snapshot"
        case .heartbeat: "heartbeat"
        case .heartbeatReply: "heartbeat_reply"
        case .mapUpdate: "map_update"
        case .metaRequest: "meta_request"
        case .mapQuery: "map_query"
        case .mapAnswer: "map_answer"
        case .clientRequest: "client_request"
        case .clientReply: "client_reply"
        }
    }
}

/// A copy of a primary's store taken at its applied LSN, for a learner.
struct ShardSnapshot: Sendable {
    var shard: ShardID
    var epoch: Epoch
    var appliedThrough: LSN
    var store: ShardStoreImage
}

/// A message in flight.
struct Envelope: Sendable {
    var from: Endpoint
    var to: Endpoint
    var payload: Payload
}

/// A client's request to a data node. `requestID` is unique per attempt and names the
/// client (`ClientRequestID`), so a node can answer without remembering who asked.
struct ClientRequest: Sendable {
    enum Operation: Sendable {
        case write(Mutation)
        case get(key: [UInt8])
    }

    var requestID: UInt64
    var operation: Operation
}

/// A data node's answer to one request attempt.
struct ClientReply: Sendable {
    enum Answer: Sendable {
        case written(WriteOutcome)
        case value(VersionedValue)
        case absent
        case failed(KeelError)
    }

    var requestID: UInt64
    var answer: Answer
}

/// Request ids carry the client's index in their top bits.
enum ClientRequestID {
    static let clientShift: UInt64 = 40

    static func make(client: Int, attempt: UInt64) -> UInt64 { (UInt64(client) + 1) << clientShift | attempt }
    static func client(of requestID: UInt64) -> Int? {
        let high = requestID >> clientShift
        return high == 0 ? nil : Int(high - 1)
    }
}
