import KeelReplication
import KeelTypes

extension Payload {
    /// One line for the trace: the kind and what matters about the content.
    var traceDescription: String {
        switch self {
        case .replication(let shard, let message):
            return "\(shard) \(kind) \(message.epoch) " + Self.render(message)
        case .snapshot(let snapshot):
            return "snapshot \(snapshot.shard) \(snapshot.epoch) through \(snapshot.appliedThrough)"
        case .heartbeat(let heartbeat, let sequence):
            return "heartbeat #\(sequence) " + heartbeat.replicas.map { "\($0.shard)@\($0.epoch) \($0.role) p\($0.prepared)" }.joined(separator: ", ")
        case .heartbeatReply(let reply, let sequence, _):
            return "heartbeat_reply #\(sequence) leases " + reply.leases.map { "\($0.shard)@\($0.epoch)" }.joined(separator: ",")
        case .mapUpdate(let shards):
            return "map_update " + shards.map { "\($0.id)@\($0.epoch) primary \($0.primary?.rawValue ?? "-")" }.joined(separator: ", ")
        case .metaRequest(let shard, let need):
            return "meta_request \(shard) \(need)"
        case .mapQuery, .mapAnswer:
            return kind
        case .clientRequest(let request):
            return "client_request #\(request.requestID & 0xFF_FFFF) \(Self.render(request.operation))"
        case .clientReply(let reply):
            return "client_reply #\(reply.requestID & 0xFF_FFFF) \(Self.render(reply.answer))"
        }
    }

    private static func render(_ message: ReplicationMessage) -> String {
        switch message {
        case .prepare(_, let records, let commit):
            "records \(records.map { "\($0.lsn)/\($0.epoch):\($0.writes.count)" }.joined(separator: ",")) commit \(commit)"
        case .prepareAck(_, let durable): "durable \(durable)"
        case .prepareGap(_, let expected): "expected \(expected)"
        case .commit(_, let commit): "commit \(commit)"
        case .reconcile(_, let last, let lastEpoch, let commit): "last \(last)/\(lastEpoch) commit \(commit)"
        case .reconcileReply(_, let last, let lastEpoch): "last \(last)/\(lastEpoch)"
        case .staleEpoch(let view): "view \(view.epoch) primary \(view.primary?.rawValue ?? "-")"
        }
    }

    private static func render(_ operation: ClientRequest.Operation) -> String {
        switch operation {
        case .get(let key): "get \(String(decoding: key, as: UTF8.self))"
        case .write(.put(let key, let value, let condition)):
            "put \(String(decoding: key, as: UTF8.self))=\(String(decoding: value, as: UTF8.self)) \(condition)"
        case .write(.delete(let key, let condition)): "delete \(String(decoding: key, as: UTF8.self)) \(condition)"
        }
    }

    private static func render(_ answer: ClientReply.Answer) -> String {
        switch answer {
        case .written(let outcome): "written v\(outcome.version)"
        case .value(let value): "value \(String(decoding: value.value, as: UTF8.self)) v\(value.version)"
        case .absent: "absent"
        case .failed(let error): "failed \(error.code)\(error.maybeApplied ? " maybe_applied" : "")"
        }
    }
}
