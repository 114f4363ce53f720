import Hummingbird
import KeelTypes
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Prometheus metrics for a server role: bootstraps swift-metrics with a Prometheus
/// registry and, given an address, serves `GET /metrics` (and `GET /healthz`) there.
enum MetricsEndpoint {
    /// Bootstraps the metrics system; returns the registry the endpoint renders.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The HTTP service for `--metrics-listen`.
    static func service(listen: HostPort, registry: PrometheusCollectorRegistry, logger: Logger) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: registry.emitToString())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port), serverName: "keel"),
            logger: logger)
    }
}
