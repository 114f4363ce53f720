import KeelCluster
import KeelReplication
import KeelTypes

/// What a simulated component asks the engine to do after handling one event: messages to
/// send, timers to set (in real time: a node converts its local delays with its clock),
/// and notices for the checks and statistics. Components never touch the agenda directly.
struct Effects {
    var sends: [Envelope] = []
    var nodeTimers: [(after: Duration, timer: NodeTimer)] = []
    var clientTimers: [(after: Duration, timer: ClientTimer)] = []
    var notices: [Notice] = []

    mutating func send(_ payload: Payload, from: Endpoint, to: Endpoint) {
        sends.append(Envelope(from: from, to: to, payload: payload))
    }
}

/// A node's timers. The engine tags each with the node's incarnation, so timers set before
/// a crash never fire in the restarted process.
enum NodeTimer: Sendable {
    case tick
    case heartbeat
    /// One heartbeat now, outside the periodic chain (to fetch the map early).
    case earlyHeartbeat
    case flush(ShardID)
    case syncDone(ShardID)
}

/// A client's timers.
enum ClientTimer: Sendable {
    case nextOperation
    case retry
    /// The attempt with this request id has waited long enough.
    case attemptTimeout(requestID: UInt64)
}

/// Things the engine records or checks.
enum Notice: Sendable {
    /// The meta leader applied a command (`after` is the shard it changed, if any).
    case applied(MetaCommand, before: ShardDescriptor?, after: ShardDescriptor?)
    /// A replica dropped these log records (a truncation); `role` and `epoch` are its own
    /// after the step.
    case truncated([ReplicationRecord], shard: ShardID, node: DataNodeID, role: ShardReplica.Role, epoch: Epoch)
    /// A write's condition failed against state that was not committed yet (the primary's
    /// window of prepared writes), and the client was told so at once.
    case answeredFromUncommittedState(key: [UInt8])
    /// A node applied a committed record to its store.
    case recordApplied(ReplicationRecord, shard: ShardID, node: DataNodeID)
    /// A check failed.
    case violation(Violation)
}
