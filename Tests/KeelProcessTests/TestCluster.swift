import Foundation
import KeelClient
import KeelCluster
import KeelLocalCluster
import KeelMetaClient
import KeelTransport
import KeelTypes
import Testing

/// A real cluster of `keel` processes on loopback for one test: free ports, a temporary
/// folder, the `keel` binary built next to the test bundle. Every wait has a deadline;
/// `shutdown()` kills whatever is left and deletes the folder.
final class TestCluster: @unchecked Sendable {
    let cluster: LocalCluster
    let directory: String
    let client: KeelClient
    let metaTransport: PeerTransport
    let meta: MetaClient

    var plan: LocalClusterPlan { cluster.plan }
    var routerURL: String { "http://\(plan.router.listen)" }

    init(metaNodes: Int = 3, dataNodes: Int = 3, replicas: Int = 2, initialShards: Int = 4, configure: (inout LocalClusterOptions) -> Void = { _ in }) throws {
        directory = NSTemporaryDirectory() + "keel-process-\(UUID().uuidString.prefix(8))"
        var options = LocalClusterOptions(directory: directory)
        options.metaNodes = metaNodes
        options.dataNodes = dataNodes
        options.replicas = replicas
        options.initialShards = initialShards
        configure(&options)
        let ports = try FreePorts.allocate(metaNodes + dataNodes + 1)
        let layout = LocalClusterPorts(meta: Array(ports[0..<metaNodes]), data: Array(ports[metaNodes..<(metaNodes + dataNodes)]), router: ports.last!)
        cluster = LocalCluster(plan: LocalClusterPlan(options: options, ports: layout), executable: try Self.keelBinary())
        client = KeelClient(baseURL: "http://\(cluster.plan.router.listen)")
        metaTransport = PeerTransport(configuration: TransportConfiguration(nodeID: "test-\(UUID().uuidString.prefix(6))"))
        meta = MetaClient(members: cluster.plan.meta.map(\.listen), transport: metaTransport)
    }

    /// The `keel` executable built alongside the tests.
    static func keelBinary() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("keel").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw LocalClusterError("the keel binary is not next to the test bundle (\(bundle.path)); run swift build --build-tests")
    }

    func start() throws { try cluster.start() }

    /// Starts the cluster, runs `body`, and shuts everything down whether `body` throws or not.
    func run(_ body: () async throws -> Void) async throws {
        try start()
        do {
            try await body()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    func shutdown() async {
        await cluster.stop(grace: .seconds(5))
        try? await client.shutdown()
        await metaTransport.shutdown()
        if ProcessInfo.processInfo.environment["KEEL_KEEP_TEST_CLUSTERS"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        } else {
            print("kept \(directory)")
        }
    }

    /// Waits until the router answers `/readyz` with 200 (a map with every shard placed).
    func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        try await eventually("the router to be ready", timeout: timeout) { await self.client.isReady() }
    }

    /// Polls `condition` every 100 ms until it holds; fails the test with the logs' tails if it does not in time.
    func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            if let dead = cluster.firstExited, dead.exitStatus != 0, dead.exitStatus != 9 && dead.exitStatus != 15 {
                Issue.record("\(dead.name) exited with \(dead.exitStatus):\n\(dead.logTail())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let logs = plan.startOrder.compactMap { cluster.processes[$0.name] }.map { "--- \($0.name)\n\($0.logTail(lines: 8))" }
        throw LocalClusterError("timed out after \(timeout) waiting for \(what)\n" + logs.joined(separator: "\n"))
    }

    /// The map as the meta leader sees it.
    func map() async throws -> ClusterMap {
        guard case .map(let map) = try await meta.call(.getMap(linearizable: true)) else { throw LocalClusterError("no map") }
        return map
    }

    /// The meta group's members, as the member that answers sees them.
    func members() async throws -> MetaMembers {
        guard case .members(let members) = try await meta.call(.members) else { throw LocalClusterError("no members") }
        return members
    }
}
