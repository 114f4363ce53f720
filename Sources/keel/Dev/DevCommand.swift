import ArgumentParser
import Foundation
import KeelLocalCluster

/// `keel dev`: a whole local cluster as child processes under one folder.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Start a local cluster (3 meta, N data, 1 router) as child processes.",
        discussion: """
            Every process keeps its data and its log under --dir (meta-1/, data-1/, …, router/), \
            so starting again with the same --dir keeps the data. Ctrl-C or SIGTERM stops the \
            router, then the data nodes, then the meta group.

            Ports: meta members listen on BASE+1…, data nodes on BASE+101…, the router on \
            --http-port. Example:

              keel dev --dir /tmp/keel --http-port 8080 --data-nodes 3 --replicas 2
            """)

    @Option(help: "Folder holding every process's data and logs.")
    var dir: String = "./keel-data"

    @Option(name: .customLong("http-port"), help: "Port of the router's HTTP API.")
    var httpPort: Int = 8080

    @Option(name: .customLong("data-nodes"), help: "Number of data nodes.")
    var dataNodes: Int = 3

    @Option(help: "Copies of every shard, primary included (default 2; the raft baseline runs 3).")
    var replicas: Int?

    @Option(help: "Shard replication: primary-backup or raft (the baseline).")
    var replication: String = "primary-backup"

    @Option(name: .customLong("meta-nodes"), help: "Members of the meta group (3 or 5).")
    var metaNodes: Int = 3

    @Option(name: .customLong("initial-shards"), help: "Shards the key space starts with.")
    var initialShards: Int = 4

    @Option(name: .customLong("base-port"), help: "First port of the meta and data nodes' range.")
    var basePort: Int = 7000

    func validate() throws {
        guard [3, 5].contains(metaNodes) else { throw ValidationError("--meta-nodes must be 3 or 5") }
        guard (1...64).contains(dataNodes) else { throw ValidationError("--data-nodes must be 1 to 64") }
        let replicas = effectiveReplicas
        guard (1...dataNodes).contains(replicas) else {
            throw ValidationError("--replicas must be between 1 and --data-nodes (\(dataNodes))")
        }
        guard ["primary-backup", "raft"].contains(replication) else {
            throw ValidationError("--replication must be primary-backup or raft")
        }
        guard replication != "raft" || replicas == 3 else {
            throw ValidationError("--replication raft runs 3 replicas per shard: pass --replicas 3")
        }
        guard (1...256).contains(initialShards) else { throw ValidationError("--initial-shards must be 1 to 256") }
        guard (1...65535).contains(httpPort), (1...65000).contains(basePort) else {
            throw ValidationError("ports must be between 1 and 65535")
        }
    }

    func run() async throws {
        var options = LocalClusterOptions(directory: dir)
        options.metaNodes = metaNodes
        options.dataNodes = dataNodes
        options.replicas = effectiveReplicas
        options.replication = replication
        options.initialShards = initialShards
        let ports = LocalClusterPorts.sequential(base: basePort, httpPort: httpPort, metaNodes: metaNodes, dataNodes: dataNodes)
        let supervisor = LocalClusterSupervisor(
            plan: LocalClusterPlan(options: options, ports: ports), executable: try Self.ownExecutable())
        try await supervisor.run()
    }

    var effectiveReplicas: Int { replicas ?? (replication == "raft" ? 3 : 2) }

    /// The path of this `keel` binary, so children run exactly the same build.
    static func ownExecutable() throws -> String {
        let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        if let resolved { return resolved }
        let argument0 = CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: argument0) else {
            throw LocalClusterError("cannot find the keel executable (\(argument0))")
        }
        return argument0
    }
}
