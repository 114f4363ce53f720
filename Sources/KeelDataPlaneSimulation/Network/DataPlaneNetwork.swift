import KeelSimulation

/// The simulated network: per-message delay, loss, duplication and (through random
/// delays) reordering, plus partitions that block directed links.
///
/// Client requests are never duplicated: a client's request is one request/response
/// exchange on a connection, and Keel deliberately does not deduplicate writes (a failed
/// write says `maybe_applied` instead, and clients do not blindly retry). Everything
/// between nodes and the meta group may be duplicated, as retransmissions across
/// reconnects do.
///
/// A message is dropped if its link is blocked when it is sent or when it would arrive, so
/// a partition also swallows what was in flight. The fate of each message is drawn from
/// the network's own random stream.
struct DataPlaneNetwork: Sendable {
    /// A directed link.
    struct Link: Hashable, Sendable {
        var from: Endpoint
        var to: Endpoint
    }

    /// A named set of blocked links, healed as a whole.
    struct Partition: Sendable {
        var id: Int
        var kind: PartitionKind
        var blocked: Set<Link>
    }

    let faults: DataPlaneNetworkFaults
    private var random: SimRandom
    private(set) var partitions: [Partition] = []
    private var nextPartitionID = 0

    init(faults: DataPlaneNetworkFaults, random: SimRandom) {
        self.faults = faults
        self.random = random
    }

    func isBlocked(from: Endpoint, to: Endpoint) -> Bool {
        guard from != to else { return false }
        let link = Link(from: from, to: to)
        return partitions.contains { $0.blocked.contains(link) }
    }

    /// When each copy of a message sent now arrives: empty if lost, two delays if duplicated.
    mutating func deliveryDelays(for envelope: Envelope) -> [Duration] {
        guard !isBlocked(from: envelope.from, to: envelope.to) else { return [] }
        if random.chance(faults.lossProbability) { return [] }
        var delays = [delay()]
        if envelope.payload.mayBeDuplicated, random.chance(faults.duplicationProbability) { delays.append(delay()) }
        return delays
    }

    private mutating func delay() -> Duration {
        if random.chance(faults.longDelayProbability) {
            return .microseconds(Int64(random.uint64(in: faults.longDelayMicroseconds)))
        }
        return .microseconds(Int64(random.uint64(in: faults.delayMicroseconds)))
    }

    /// Blocks `links` until `heal(_:)` is called with the returned id.
    mutating func partition(_ kind: PartitionKind, blocking links: Set<Link>) -> Int {
        nextPartitionID += 1
        partitions.append(Partition(id: nextPartitionID, kind: kind, blocked: links))
        return nextPartitionID
    }

    mutating func heal(_ id: Int) {
        partitions.removeAll { $0.id == id }
    }

    mutating func healAll() {
        partitions = []
    }
}

/// The shapes of partition the nemesis creates.
public enum PartitionKind: String, Sendable, CaseIterable {
    /// A node cut off from everyone, both ways.
    case isolateNode = "isolate_node"
    /// A primary cut off from the meta group only: clients and backups still reach it.
    case primaryFromMeta = "primary_from_meta"
    /// A primary cut off from the meta group and its backups, but not from clients.
    case primaryFromMetaAndBackups = "primary_from_meta_and_backups"
    /// One direction only: a node's messages to the meta group are lost (heartbeats).
    case nodeToMetaOneWay = "node_to_meta_one_way"
    /// One direction only: the meta group's messages to a node are lost (leases, map).
    case metaToNodeOneWay = "meta_to_node_one_way"
    /// One direction only, between two data nodes.
    case nodeToNodeOneWay = "node_to_node_one_way"
}
