@_spi(Testing) import KeelReplication
import KeelCluster
import KeelSimulation
import KeelTypes

/// A data node's shell around its `ShardReplica`s, as `keel data` will be: it carries out
/// each `ReplicaOutput` in the contract's order, keeps the log and store on a `ShardDisk`
/// per shard, heartbeats the meta leader and turns lease grants into `leaseGranted` calls,
/// follows the map, and serves client requests.
///
/// Everything in memory is lost on `crash()`; `restart` rebuilds each replica from its
/// disk alone, at epoch zero, and lets the meta leader's next reply configure it.
struct SimDataNode: Sendable {
    let index: Int
    let id: DataNodeID
    let settings: NodeSettings
    let topology: Topology
    private(set) var up = true
    /// Bumped by every crash and restart; timers of an older incarnation are ignored.
    private(set) var incarnation: UInt64 = 0
    var clock: DriftingClock
    var replicas: [ShardID: ShardReplica] = [:]
    var disks: [ShardID: ShardDisk] = [:]
    var slowDisk = false
    private var random: SimRandom
    /// Heartbeats sent by this incarnation and not yet answered: sequence → local send time.
    private var pendingHeartbeats: [(sequence: UInt64, sentAt: MonotonicTime)] = []
    private var nextHeartbeat: UInt64 = 0
    private var flushScheduled: Set<ShardID> = []
    private var earlyHeartbeatScheduled = false
    private var ticks = 0

    init(index: Int, topology: Topology, settings: NodeSettings, clock: DriftingClock, random: SimRandom) {
        self.index = index
        self.id = topology.nodeIDs[index]
        self.topology = topology
        self.settings = settings
        self.clock = clock
        self.random = random
    }

    var endpoint: Endpoint { .node(index) }

    func now(_ real: SimInstant) -> MonotonicTime { clock.reading(at: real) }

    // MARK: Lifecycle

    /// Starts the node's periodic timers (at boot and after a restart).
    func start(_ effects: inout Effects) {
        effects.nodeTimers.append((.zero, .heartbeat))
        effects.nodeTimers.append((clock.realDuration(ofLocal: settings.tick), .tick))
    }

    /// The process dies: every replica, pending heartbeat and unsynced write is gone.
    mutating func crash() {
        up = false
        incarnation += 1
        replicas = [:]
        pendingHeartbeats = []
        flushScheduled = []
        earlyHeartbeatScheduled = false
        for shard in disks.keys.sorted() {
            disks[shard]!.crash(random: &random, partialSurvivalProbability: settings.disk.partialSurvivalProbability)
        }
    }

    /// The process starts again from its disks. Each replica starts at epoch zero (it knows
    /// nothing of the map) and is configured by the meta leader's next heartbeat reply.
    mutating func restart(at real: SimInstant, _ effects: inout Effects) {
        up = true
        incarnation += 1
        ticks = 0
        for shard in disks.keys.sorted() {
            let disk = disks[shard]!
            let log = disk.recoveredLog
            guard Self.isContiguous(log, after: disk.storeApplied) else {
                effects.notices.append(.violation(Violation(
                    .shellContract, at: real, "\(id) \(shard): the recovered log is not contiguous after \(disk.storeApplied)")))
                continue
            }
            replicas[shard] = makeReplica(shard, range: disk.range, applied: disk.storeApplied, log: log)
        }
        start(&effects)
    }

    static func isContiguous(_ log: [ReplicationRecord], after applied: LSN) -> Bool {
        log.enumerated().allSatisfy { $0.element.lsn.rawValue == applied.rawValue + UInt64($0.offset) + 1 }
    }

    private func makeReplica(_ shard: ShardID, range: KeyRange, applied: LSN, log: [ReplicationRecord]) -> ShardReplica {
        let unknown = ShardDescriptor(id: shard, range: range, epoch: .zero, primary: nil)
        var replica = ShardReplica(node: id, descriptor: unknown, config: settings.replicaConfig, applied: applied, log: log)
        #if DEBUG
        replica.injectedBugs = settings.replicaBugs
        #endif
        return replica
    }

    // MARK: Timers

    mutating func fire(_ timer: NodeTimer, at real: SimInstant, _ effects: inout Effects) {
        guard up else { return }
        switch timer {
        case .tick:
            tick(at: real, &effects)
            effects.nodeTimers.append((clock.realDuration(ofLocal: settings.tick), .tick))
        case .heartbeat:
            sendHeartbeat(at: real, &effects)
            effects.nodeTimers.append((clock.realDuration(ofLocal: settings.heartbeatInterval), .heartbeat))
        case .earlyHeartbeat:
            earlyHeartbeatScheduled = false
            sendHeartbeat(at: real, &effects)
        case .flush(let shard):
            flushScheduled.remove(shard)
            guard replicas[shard] != nil else { return }
            let output = replicas[shard]!.flush(now: now(real))
            carryOut(output, shard: shard, at: real, &effects)
        case .syncDone(let shard):
            guard disks[shard] != nil else { return }
            if let durable = disks[shard]!.completeSync(), replicas[shard] != nil {
                let output = replicas[shard]!.persisted(through: durable)
                carryOut(output, shard: shard, at: real, &effects)
            }
            beginSync(shard, &effects)
        }
    }

    private mutating func tick(at real: SimInstant, _ effects: inout Effects) {
        ticks += 1
        let local = now(real)
        for shard in replicas.keys.sorted() {
            let output = replicas[shard]!.tick(now: local)
            carryOut(output, shard: shard, at: real, &effects)
            if ticks % settings.trimEveryTicks == 0 { trim(shard) }
        }
    }

    /// Drops log records no peer needs any more, in the replica and on disk.
    private mutating func trim(_ shard: ShardID) {
        let target = replicas[shard]!.oldestNeeded
        replicas[shard]!.trimLog(through: target)
        disks[shard]!.trimLog(through: min(target, replicas[shard]!.applied))
    }

    mutating func beginSync(_ shard: ShardID, _ effects: inout Effects) {
        guard disks[shard]!.beginSync() else { return }
        let range = slowDisk ? settings.disk.slowSyncMicroseconds : settings.disk.syncMicroseconds
        effects.nodeTimers.append((.microseconds(Int64(random.uint64(in: range))), .syncDone(shard)))
    }

    mutating func scheduleFlush(_ shard: ShardID, _ effects: inout Effects) {
        guard flushScheduled.insert(shard).inserted else { return }
        effects.nodeTimers.append((settings.flushDelay, .flush(shard)))
    }

    // MARK: Heartbeats and the map

    private mutating func sendHeartbeat(at real: SimInstant, _ effects: inout Effects) {
        nextHeartbeat += 1
        pendingHeartbeats.append((nextHeartbeat, now(real)))
        if pendingHeartbeats.count > settings.maxPendingHeartbeats { pendingHeartbeats.removeFirst() }
        let reports = replicas.keys.sorted().map { shard in
            let replica = replicas[shard]!
            return ReplicaReport(
                shard: shard, epoch: replica.descriptor.epoch, role: ReplicaRole(rawValue: replica.role.rawValue) ?? .inactive,
                committed: replica.committed.rawValue, prepared: replica.durable.rawValue)
        }
        effects.send(.heartbeat(NodeHeartbeat(node: id, replicas: reports), sequence: nextHeartbeat), from: endpoint, to: .meta)
    }

    /// The meta leader's answer: first the map, then the leases, each measured from when
    /// this incarnation sent the heartbeat (a reply to an unknown heartbeat grants nothing).
    mutating func receiveHeartbeatReply(
        _ reply: HeartbeatReply, sequence: UInt64, shards: [ShardDescriptor], at real: SimInstant, _ effects: inout Effects
    ) {
        adopt(shards, at: real, &effects)
        guard let sent = pendingHeartbeats.first(where: { $0.sequence == sequence }) else { return }
        pendingHeartbeats.removeAll { $0.sequence <= sequence }
        for grant in reply.leases {
            replicas[grant.shard]?.leaseGranted(
                epoch: grant.epoch, until: sent.sentAt.advanced(by: .milliseconds(Int64(grant.durationMs))))
        }
    }

    /// Configures replicas with newer descriptors; opens a replica for a shard newly placed here.
    mutating func adopt(_ descriptors: [ShardDescriptor], at real: SimInstant, _ effects: inout Effects) {
        for descriptor in descriptors.sorted(by: { $0.id < $1.id }) {
            if replicas[descriptor.id] == nil {
                guard descriptor.allReplicas.contains(id), disks[descriptor.id] == nil else { continue }
                disks[descriptor.id] = ShardDisk(range: descriptor.range)
                replicas[descriptor.id] = makeReplica(descriptor.id, range: descriptor.range, applied: .zero, log: [])
            }
            guard descriptor.epoch > replicas[descriptor.id]!.descriptor.epoch else { continue }
            let output = replicas[descriptor.id]!.configure(descriptor, now: now(real))
            carryOut(output, shard: descriptor.id, at: real, &effects)
        }
    }

    /// Asks for the map early (a message showed a newer epoch).
    mutating func requestMapSoon(_ effects: inout Effects) {
        guard !earlyHeartbeatScheduled else { return }
        earlyHeartbeatScheduled = true
        effects.nodeTimers.append((.zero, .earlyHeartbeat))
    }
}
