import Foundation
import KeelTypes

/// `GET /v1/shards`: the router's shard map. Key bounds are given both as base64
/// (`start_b64`, exact) and as text (`start`, for reading; non-UTF-8 bytes replaced).
enum ShardMapJSON {
    static func render(_ map: ShardMapView) -> JSONWriter {
        var json = JSONWriter()
        json.beginObject()
        json.field("version", map.version)
        json.key("shards")
        json.beginArray()
        for shard in map.shards {
            json.beginObject()
            json.field("id", shard.id.rawValue)
            json.field("start", String(decoding: shard.range.start, as: UTF8.self))
            json.field("start_b64", Data(shard.range.start).base64EncodedString())
            json.key("end")
            if let end = shard.range.end { json.string(String(decoding: end, as: UTF8.self)) } else { json.null() }
            json.key("end_b64")
            if let end = shard.range.end { json.string(Data(end).base64EncodedString()) } else { json.null() }
            json.field("epoch", shard.epoch.rawValue)
            json.key("primary")
            if let primary = shard.primary { json.string(primary.rawValue) } else { json.null() }
            stringArray(&json, "backups", shard.backups.map(\.rawValue))
            stringArray(&json, "learners", shard.learners.map(\.rawValue))
            json.field("state", shard.state.rawValue)
            json.endObject()
        }
        json.endArray()
        json.key("nodes")
        json.beginObject()
        for (id, address) in map.nodes.sorted(by: { $0.key < $1.key }) { json.field(id.rawValue, address.description) }
        json.endObject()
        json.endObject()
        return json
    }

    private static func stringArray(_ json: inout JSONWriter, _ name: String, _ values: [String]) {
        json.key(name)
        json.beginArray()
        for value in values { json.string(value) }
        json.endArray()
    }
}

/// `POST /v1/bulk`'s answer: `{"written","deleted","failed","errors":[{"line","code","message"}]}`.
enum BulkSummaryJSON {
    static func render(_ summary: BulkSummary) -> JSONWriter {
        var json = JSONWriter()
        json.beginObject()
        json.field("written", summary.written)
        json.field("deleted", summary.deleted)
        json.field("failed", summary.failed)
        json.key("errors")
        json.beginArray()
        for error in summary.errors {
            json.beginObject()
            json.field("line", error.line)
            json.field("code", error.code.rawValue)
            json.field("message", error.message)
            json.field("maybe_applied", summary.maybeAppliedLines.contains(error.line))
            json.endObject()
        }
        json.endArray()
        json.field("errors_truncated", summary.errorsTruncated)
        json.endObject()
        return json
    }
}
