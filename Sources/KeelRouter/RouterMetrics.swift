import Metrics

/// The router's metrics, reported through swift-metrics (Prometheus in the `keel` binary).
///
/// `keel_router_requests_total{route,status}` counts answers, and
/// `keel_router_request_duration_seconds{route}` times them; routes are labels, keys never are.
public struct RouterMetrics: Sendable {
    public init() {}

    func record(route: String, status: Int, elapsed: Duration) {
        Counter(label: "keel_router_requests_total", dimensions: [("route", route), ("status", String(status))]).increment()
        Timer(label: "keel_router_request_duration_seconds", dimensions: [("route", route)]).recordNanoseconds(
            Int64(clamping: elapsed.wholeNanoseconds))
    }

    /// A routed request was retried after a routing error (`not_primary`, `stale_epoch`, …).
    func recordRetry(reason: String) {
        Counter(label: "keel_router_retries_total", dimensions: [("reason", reason)]).increment()
    }
}
