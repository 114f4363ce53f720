import KeelTypes

/// What replicas of one shard send each other. Every message carries the sender's epoch;
/// a replica drops messages of an older epoch and answers them with its own view.
public enum ReplicationMessage: Hashable, Sendable, Codable {
    /// Primary → backups and learners: records to prepare, and the primary's commit point.
    case prepare(epoch: Epoch, records: [ReplicationRecord], commit: LSN)
    /// Replica → primary: everything up to `durable` is durably prepared here.
    case prepareAck(epoch: Epoch, durable: LSN)
    /// Replica → primary: a record arrived out of order; send again from `expected`.
    case prepareGap(epoch: Epoch, expected: LSN)
    /// Primary → replicas when idle: the commit point, and "I am alive".
    case commit(epoch: Epoch, commit: LSN)
    /// A new primary → replicas: match my log, which ends at `last` (written in `lastEpoch`).
    case reconcile(epoch: Epoch, last: LSN, lastEpoch: Epoch, commit: LSN)
    /// Replica → new primary: my log now ends at `last` (written in `lastEpoch`).
    case reconcileReply(epoch: Epoch, last: LSN, lastEpoch: Epoch)
    /// The receiver is at a newer epoch than the sender: here is its view.
    case staleEpoch(ShardDescriptor)

    /// The epoch the message was sent in.
    public var epoch: Epoch {
        switch self {
        case .prepare(let epoch, _, _), .prepareAck(let epoch, _), .prepareGap(let epoch, _), .commit(let epoch, _),
            .reconcile(let epoch, _, _, _), .reconcileReply(let epoch, _, _):
            epoch
        case .staleEpoch(let descriptor): descriptor.epoch
        }
    }
}

extension ReplicationMessage {
    /// A short description for logs (no record contents).
    public var summary: String {
        switch self {
        case .prepare(let epoch, let records, let commit):
            "prepare \(epoch) \(records.first?.lsn.rawValue ?? 0)…\(records.last?.lsn.rawValue ?? 0) commit \(commit.rawValue)"
        case .prepareAck(let epoch, let durable): "ack \(epoch) \(durable.rawValue)"
        case .prepareGap(let epoch, let expected): "gap \(epoch) \(expected.rawValue)"
        case .commit(let epoch, let commit): "commit \(epoch) \(commit.rawValue)"
        case .reconcile(let epoch, let last, let lastEpoch, let commit): "reconcile \(epoch) last \(last.rawValue)@\(lastEpoch) commit \(commit.rawValue)"
        case .reconcileReply(let epoch, let last, let lastEpoch): "reconciled \(epoch) last \(last.rawValue)@\(lastEpoch)"
        case .staleEpoch(let view): "stale epoch, view \(view.epoch)"
        }
    }
}
