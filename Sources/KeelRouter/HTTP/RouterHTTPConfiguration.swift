import KeelTypes

/// Limits and options of the router's HTTP API. Every limit is documented in docs/API.md.
public struct RouterHTTPConfiguration: Sendable {
    /// Largest value accepted by `PUT` and in bulk loads.
    public var maxValueBytes = KeelLimits.defaultMaxValueBytes
    /// When set, requests must carry `Authorization: Bearer <token>` (`/healthz`,
    /// `/readyz` and `/metrics` stay open for probes and scrapers).
    public var bearerToken: String?
    /// Requests being served at once; beyond it new requests get 429 with `Retry-After`.
    public var maxConcurrentRequests = 4096
    /// `limit` of a scan when the client gives none, and the largest it may give.
    public var defaultScanLimit = 1000
    public var maxScanLimit = 10_000
    /// Bulk loads: batching, pipelining and memory bounds.
    public var bulk = BulkIngestLimits()

    public init() {}

    /// Longest NDJSON line a bulk load accepts: a maximal key and a maximal value in base64.
    var maxBulkLineBytes: Int { (maxValueBytes + 2) / 3 * 4 + KeelLimits.maxKeyBytes * 6 + 256 }
}
