import KeelCluster
import KeelTypes
import Logging

/// How one `keel meta` member runs.
public struct MetaConfiguration: Sendable {
    /// This member's Raft id (1, 2, 3…).
    public var id: UInt64
    public var listen: HostPort
    /// Every initial member's id and address, this member included.
    public var peers: [UInt64: HostPort]
    public var directory: String
    /// Applied only when the cluster is first created.
    public var bootstrapSettings = ClusterSettings()
    public var initialShards = 1
    /// True for a member added to a running group: it starts empty and waits to be added.
    public var join = false
    /// Length of one Raft tick.
    public var tick: Duration = .milliseconds(100)
    /// Election timeout in ticks (heartbeats go every tick).
    public var electionTicks = 10
    /// Entries applied beyond the last snapshot before the map is snapshotted again.
    public var snapshotEveryEntries: UInt64 = 10_000
    /// Cluster id checked in every peer handshake.
    public var clusterID = "keel"
    public var logger = Logger(label: "keel.meta")

    public init(id: UInt64, listen: HostPort, peers: [UInt64: HostPort], directory: String) {
        self.id = id
        self.listen = listen
        self.peers = peers
        self.directory = directory
    }

    /// Parses `--peers 1=HOST:PORT,2=HOST:PORT,…`.
    public static func parsePeers(_ text: String) throws -> [UInt64: HostPort] {
        var peers: [UInt64: HostPort] = [:]
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = UInt64(parts[0]), id > 0 else {
                throw HostPortError(text: String(item), reason: "expected ID=HOST:PORT with a positive numeric id")
            }
            guard peers[id] == nil else { throw HostPortError(text: String(item), reason: "member \(id) is listed twice") }
            peers[id] = try HostPort(parsing: parts[1])
        }
        guard !peers.isEmpty else { throw HostPortError(text: text, reason: "expected at least one ID=HOST:PORT") }
        return peers
    }
}
