import ArgumentParser
import ServiceLifecycle
import KeelData
import KeelTypes

/// `keel data`: a data node.
struct ServeData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Run a data node: it registers with the meta group and holds the shard replicas it is given.",
        discussion: """
            Restarting with the same --dir recovers the node's replicas from disk; they catch up \
            from their primaries.

              keel data --id data-1 --listen 127.0.0.1:7101 \\
                --meta 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 --dir /var/lib/keel/data-1 --zone a
            """)

    @Option(help: "This node's name, unique in the cluster (letters, digits, '-', '_', '.').")
    var id: String

    @Option(help: "Address to listen on for routers and other data nodes.")
    var listen: String

    @Option(help: "Address to advertise to the cluster (default: --listen).")
    var advertise: String?

    @Option(help: "Meta group members HOST:PORT,…")
    var meta: String

    @Option(help: "Folder for the node's stores and logs.")
    var dir: String

    @Option(help: "Failure zone (rack, availability zone); replicas of a shard are spread over zones.")
    var zone: String = "default"

    func validate() throws {
        guard !id.isEmpty, id.utf8.count <= 128,
            id.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) })
        else { throw ValidationError("--id must be 1-128 letters, digits, '-', '_' or '.'") }
        _ = try HostPort(parsing: listen)
        if let advertise { _ = try HostPort(parsing: advertise) }
        _ = try HostPort.parseList(meta)
        guard raftCompactEvery >= 1 else { throw ValidationError("--raft-compact-every must be at least 1") }
    }

    @Option(name: .customLong("metrics-listen"), help: "Serve Prometheus metrics at http://HOST:PORT/metrics.")
    var metricsListen: String?

    @Option(
        name: .customLong("raft-compact-every"),
        help: "Raft baseline: compact a shard's Raft log every this many applied entries (a member behind it copies the leader's store).")
    var raftCompactEvery: UInt64 = 10_000

    func run() async throws {
        let logger = ServerRuntime.logger("keel.data")
        var configuration = DataNodeConfiguration(
            id: DataNodeID(id), listen: try HostPort(parsing: listen), meta: try HostPort.parseList(meta), directory: dir, zone: zone)
        if let advertise { configuration.advertise = try HostPort(parsing: advertise) }
        configuration.logger = logger
        configuration.raftCompactEvery = raftCompactEvery
        let node = DataNode(configuration: configuration)
        let registry = MetricsEndpoint.bootstrap()
        let extra: [any Service] = try metricsListen.map {
            [MetricsEndpoint.service(listen: try HostPort(parsing: $0), registry: registry, logger: logger)]
        } ?? []
        try await ServerRuntime.run("data", logger: logger, services: extra) { try await node.run() }
    }
}
