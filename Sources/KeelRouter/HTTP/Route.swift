import Hummingbird

/// The API's endpoints, recognised from the raw (still percent-encoded) path.
enum Route: Equatable {
    case health, ready, metrics
    /// `/v1/kv/{key}`: the encoded key is the whole rest of the path.
    case keyValue(encodedKey: [UInt8])
    case scan, bulk, shards
    case unknown

    init(_ request: Request) {
        let path = request.uri.path
        let kvPrefix = "/v1/kv/"
        if path.hasPrefix(kvPrefix) {
            self = .keyValue(encodedKey: Array(path.utf8.dropFirst(kvPrefix.utf8.count)))
            return
        }
        switch path {
        case "/healthz": self = .health
        case "/readyz": self = .ready
        case "/metrics": self = .metrics
        case "/v1/scan": self = .scan
        case "/v1/bulk": self = .bulk
        case "/v1/shards": self = .shards
        default: self = .unknown
        }
    }

    /// Label for metrics: the route, never the key.
    var metricName: String {
        switch self {
        case .health: "healthz"
        case .ready: "readyz"
        case .metrics: "metrics"
        case .keyValue: "kv"
        case .scan: "scan"
        case .bulk: "bulk"
        case .shards: "shards"
        case .unknown: "unknown"
        }
    }
}
