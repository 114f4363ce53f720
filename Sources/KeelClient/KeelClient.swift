import AsyncHTTPClient
import Foundation
import KeelTypes
import NIOCore
import NIOHTTP1

/// A Swift client for the router's HTTP API (docs/API.md).
///
/// Connections are pooled (one `HTTPClient` per `KeelClient`, several requests per
/// connection). Answers of 429 and 503 are retried after the server's `Retry-After`, within
/// `maxAttempts`; a write is retried only when the error says it was not applied, so a retry
/// never applies a write twice. Call `shutdown()` when done.
public final class KeelClient: Sendable {
    /// Client settings.
    public struct Configuration: Sendable {
        /// `Authorization: Bearer` token, if the router requires one.
        public var token: String?
        /// Attempts per request, the first included, for 429/503 answers.
        public var maxAttempts = 5
        /// Longest wait between attempts, whatever `Retry-After` says.
        public var maxRetryDelay: Duration = .seconds(5)
        /// Per-request deadline.
        public var timeout: Duration = .seconds(30)
        /// Largest answer body read (a value plus headroom).
        public var maxResponseBytes = KeelLimits.defaultMaxValueBytes * 2
        public init() {}
    }

    let baseURL: String
    let configuration: Configuration
    let http: HTTPClient

    /// - Parameter baseURL: the router, e.g. `http://127.0.0.1:8080`.
    public init(baseURL: String, configuration: Configuration = Configuration()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.configuration = configuration
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        httpConfiguration.decompression = .disabled
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    public func shutdown() async throws { try await http.shutdown() }

    // MARK: Keys

    /// Writes `value` under `key`; `ifVersion` makes it conditional (`.absent`: create only).
    public func put(_ key: String, _ value: [UInt8], ifVersion: KeyVersion? = nil) async throws(KeelError) -> WriteOutcome {
        let answer = try await send(.PUT, path: Self.keyPath(key), query: ifVersion.map { [("if_version", "\($0.rawValue)")] } ?? [],
                                    body: ByteBuffer(bytes: value), isWrite: true)
        let object = try answer.jsonObject()
        return WriteOutcome(shard: ShardID(object.uint("shard") ?? 0), version: KeyVersion(object.uint("version") ?? 0))
    }

    /// Reads `key`; nil if it does not exist.
    public func get(_ key: String, consistency: ReadConsistency = .linearizable) async throws(KeelError) -> VersionedValue? {
        let query = consistency == .stale ? [("consistency", "stale")] : []
        let answer: Answer
        do {
            answer = try await send(.GET, path: Self.keyPath(key), query: query, body: nil, isWrite: false)
        } catch where error.code == .notFound {
            return nil
        }
        return VersionedValue(
            value: Array(answer.body.readableBytesView),
            version: KeyVersion(answer.headers.first(name: "X-Keel-Version").flatMap(UInt64.init) ?? 0),
            shard: ShardID(answer.headers.first(name: "X-Keel-Shard").flatMap(UInt64.init) ?? 0))
    }

    /// Deletes `key`; throws `not_found` if it does not exist.
    public func delete(_ key: String, ifVersion: KeyVersion? = nil) async throws(KeelError) -> KeyVersion {
        let answer = try await send(.DELETE, path: Self.keyPath(key), query: ifVersion.map { [("if_version", "\($0.rawValue)")] } ?? [],
                                    body: nil, isWrite: true)
        return KeyVersion(try answer.jsonObject().uint("version") ?? 0)
    }

    /// One page of a scan; pass `page.next` as `start` for the next one.
    public func scan(
        start: [UInt8] = [], end: [UInt8]? = nil, prefix: [UInt8]? = nil, limit: Int = 1000,
        consistency: ReadConsistency = .linearizable
    ) async throws(KeelError) -> (items: [ScanItem], next: [UInt8]?) {
        var query: [(String, String)] = [("start", Self.encode(start)), ("limit", "\(limit)")]
        if let end { query.append(("end", Self.encode(end))) }
        if let prefix { query.append(("prefix", Self.encode(prefix))) }
        if consistency == .stale { query.append(("consistency", "stale")) }
        let object = try await send(.GET, path: "/v1/scan", query: query, body: nil, isWrite: false).jsonObject()
        let items = (object["items"] as? [[String: Any]] ?? []).compactMap { item -> ScanItem? in
            guard let key = item["key"] as? String, let value = (item["value_b64"] as? String).flatMap({ Data(base64Encoded: $0) })
            else { return nil }
            return ScanItem(key: Array(key.utf8), value: Array(value), version: KeyVersion(item.uint("version") ?? 0))
        }
        return (items, (object["next"] as? String).map { Array($0.utf8) })
    }

    // MARK: Bulk

    /// The answer to a bulk load.
    public struct BulkResult: Sendable, Equatable {
        public struct LineError: Sendable, Equatable {
            public var line: Int
            public var code: String
            public var message: String
            public var maybeApplied: Bool
        }
        public var written: Int
        public var deleted: Int
        public var failed: Int
        public var errors: [LineError]
    }

    /// Streams an NDJSON (or `application/x-keel-records`) body to `POST /v1/bulk`.
    ///
    /// Not retried: a load interrupted midway may have written part of the body (every
    /// record is an idempotent put or delete, so sending it again is safe).
    public func bulk<Body: AsyncSequence & Sendable>(
        _ body: Body, contentType: String = "application/x-ndjson", length: Int? = nil
    ) async throws(KeelError) -> BulkResult where Body.Element == ByteBuffer {
        try await bulk(.stream(body, length: length.map { .known(Int64($0)) } ?? .unknown), contentType: contentType)
    }

    /// Sends an in-memory NDJSON (or `application/x-keel-records`) body to `POST /v1/bulk`.
    public func bulk(bytes: [UInt8], contentType: String = "application/x-ndjson") async throws(KeelError) -> BulkResult {
        try await bulk(.bytes(ByteBuffer(bytes: bytes)), contentType: contentType)
    }

    private func bulk(_ body: HTTPClientRequest.Body, contentType: String) async throws(KeelError) -> BulkResult {
        let answer = try await send(
            .POST, path: "/v1/bulk", query: [], body: nil, isWrite: true, streamedBody: (body, contentType),
            timeout: .seconds(24 * 3600))
        let object = try answer.jsonObject()
        let errors = (object["errors"] as? [[String: Any]] ?? []).map { error in
            BulkResult.LineError(
                line: Int(error.uint("line") ?? 0), code: error["code"] as? String ?? "",
                message: error["message"] as? String ?? "", maybeApplied: error["maybe_applied"] as? Bool ?? true)
        }
        return BulkResult(
            written: Int(object.uint("written") ?? 0), deleted: Int(object.uint("deleted") ?? 0),
            failed: Int(object.uint("failed") ?? 0), errors: errors)
    }

    // MARK: Cluster

    /// Whether the router answers `/readyz` with 200.
    public func isReady() async -> Bool {
        (try? await send(.GET, path: "/readyz", query: [], body: nil, isWrite: false, attempts: 1)) != nil
    }

    /// The router's shard map as JSON (`GET /v1/shards`).
    public func shardMapJSON() async throws(KeelError) -> [String: Any] {
        try await send(.GET, path: "/v1/shards", query: [], body: nil, isWrite: false).jsonObject()
    }
}
