import ArgumentParser
import ServiceLifecycle
import KeelCluster
import KeelMeta
import KeelTypes

/// `keel meta`: one member of the meta group.
struct ServeMeta: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Run one member of the meta group (the Raft group that owns the cluster map).",
        discussion: """
            Start 3 or 5 members with the same --peers list. The bootstrap flags (--replicas, \
            --replication, --initial-shards, --min-insync) take effect only when the cluster is \
            first created; restarting with the same --dir recovers everything. To add a member \
            to a running group, start it with --join and run `keelctl meta add ID HOST:PORT`.

              keel meta --id 1 --listen 127.0.0.1:7001 \\
                --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 --dir /var/lib/keel/meta-1
            """)

    @Option(help: "This member's numeric id, as in --peers.")
    var id: UInt64

    @Option(help: "Address to listen on (peers, data nodes, routers and keelctl all use it).")
    var listen: String

    @Option(help: "Every initial member: ID=HOST:PORT,ID=HOST:PORT,…")
    var peers: String

    @Option(help: "Folder for the member's Raft log and snapshots.")
    var dir: String

    @Option(help: "Bootstrap: copies of every shard, primary included (default 2; the raft baseline runs 3).")
    var replicas: Int?

    @Option(help: "Bootstrap: primary-backup or raft.")
    var replication: String = "primary-backup"

    @Option(name: .customLong("initial-shards"), help: "Bootstrap: shards the key space starts with (1-256).")
    var initialShards: Int = 1

    @Option(name: .customLong("min-insync"), help: "Bootstrap: copies that must hold a write before it is acknowledged.")
    var minInsync: Int = 1

    @Flag(help: "Join a running group (start empty and wait to be added).")
    var join = false

    @Option(name: .customLong("lease-ms"), help: "Primary lease length in milliseconds.")
    var leaseMs: UInt64 = 3000

    @Option(name: .customLong("heartbeat-ms"), help: "Data node heartbeat interval in milliseconds.")
    var heartbeatMs: UInt64 = 500

    @Option(
        name: .customLong("replace-after-ms"),
        help: "How long a shard that lost a replica waits for its node to come back before a new replica is placed elsewhere.")
    var replaceAfterMs: UInt64 = 10_000

    func validate() throws {
        let peerMap = try MetaConfiguration.parsePeers(peers)
        guard peerMap[id] != nil || join else { throw ValidationError("--peers must list this member (\(id))") }
        _ = try HostPort(parsing: listen)
        _ = try settings()
        guard (1...256).contains(initialShards) else { throw ValidationError("--initial-shards must be 1 to 256") }
    }

    func settings() throws -> ClusterSettings {
        var settings = ClusterSettings()
        guard let mode = ReplicationMode(rawValue: replication) else {
            throw ValidationError("--replication must be primary-backup or raft")
        }
        settings.replicas = replicas ?? (mode == .raft ? 3 : 2)
        settings.replication = mode
        settings.minInsync = minInsync
        settings.leaseMs = leaseMs
        settings.heartbeatIntervalMs = heartbeatMs
        settings.suspectAfterMs = max(heartbeatMs * 4, 1000)
        settings.replaceDownReplicaAfterMs = replaceAfterMs
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.message)
        }
        return settings
    }

    @Option(name: .customLong("metrics-listen"), help: "Serve Prometheus metrics at http://HOST:PORT/metrics.")
    var metricsListen: String?

    func run() async throws {
        let logger = ServerRuntime.logger("keel.meta")
        var configuration = MetaConfiguration(
            id: id, listen: try HostPort(parsing: listen), peers: try MetaConfiguration.parsePeers(peers), directory: dir)
        configuration.bootstrapSettings = try settings()
        configuration.initialShards = initialShards
        configuration.join = join
        configuration.logger = logger
        let member = MetaMember(configuration: configuration)
        let registry = MetricsEndpoint.bootstrap()
        let extra: [any Service] = try metricsListen.map {
            [MetricsEndpoint.service(listen: try HostPort(parsing: $0), registry: registry, logger: logger)]
        } ?? []
        try await ServerRuntime.run("meta", logger: logger, services: extra) { try await member.run() }
    }
}
