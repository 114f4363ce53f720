import ArgumentParser
import Foundation
import Hummingbird
import KeelMetaClient
import KeelRouter
import KeelTransport
import KeelTypes
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `keel router`: the HTTP front door.
struct ServeRouter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Run a router: the stateless HTTP API in front of the cluster (docs/API.md).",
        discussion: """
            Routers keep no data: run as many as you like behind a load balancer.

              keel router --listen 0.0.0.0:8080 --meta 10.0.0.1:7001,10.0.0.2:7001,10.0.0.3:7001
            """)

    @Option(help: "HTTP address to listen on.")
    var listen: String

    @Option(help: "Meta group members HOST:PORT,…")
    var meta: String

    @Option(name: .customLong("token-file"), help: "Require 'Authorization: Bearer <token>' with the token in this file.")
    var tokenFile: String?

    @Option(name: .customLong("max-value-bytes"), help: "Largest value accepted.")
    var maxValueBytes: Int = KeelLimits.defaultMaxValueBytes

    @Option(name: .customLong("max-concurrent-requests"), help: "Requests served at once before new ones get 429.")
    var maxConcurrentRequests: Int = 4096

    func validate() throws {
        _ = try HostPort(parsing: listen)
        _ = try HostPort.parseList(meta)
        guard (1...(1 << 30)).contains(maxValueBytes) else { throw ValidationError("--max-value-bytes must be 1 to 1 GiB") }
    }

    func run() async throws {
        let logger = ServerRuntime.logger("keel.router")
        let registry = MetricsEndpoint.bootstrap()
        var http = RouterHTTPConfiguration()
        http.maxValueBytes = maxValueBytes
        http.maxConcurrentRequests = maxConcurrentRequests
        if let tokenFile {
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ValidationError("--token-file \(tokenFile) is empty") }
            http.bearerToken = token
        }
        var transportConfiguration = TransportConfiguration(nodeID: "router-\(ProcessInfo.processInfo.processIdentifier)", logger: logger)
        transportConfiguration.connectionsPerPeer = 4
        transportConfiguration.connectTimeout = .seconds(1)
        // Peers restart in seconds; a long backoff would keep a new primary from its backups.
        transportConfiguration.reconnectBackoff = ReconnectBackoff(initialDelay: .milliseconds(20), maxDelay: .seconds(1))
        let transport = PeerTransport(configuration: transportConfiguration)
        let service = ClusterKeyValueService(
            transport: transport, meta: MetaClient(members: try HostPort.parseList(meta), transport: transport), logger: logger)
        let address = try HostPort(parsing: listen)
        let app = Application(
            responder: RouterHTTPResponder(service: service, configuration: http, renderMetrics: { registry.emitToString() }),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "keel"),
            logger: logger)
        let group = ServiceGroup(
            services: [app, ClosureService { await service.followMap() }], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        await transport.shutdown()
    }
}
