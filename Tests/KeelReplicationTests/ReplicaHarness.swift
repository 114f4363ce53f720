@_spi(Testing) import KeelReplication
import KeelTypes
import Testing

/// A deterministic driver for a few `ShardReplica`s: it plays the network (a queue the
/// test can inspect, drop from or hold back), the disks (per node, with an optional slow
/// disk that persists only when told), the store, the clock and the meta group.
struct ReplicaHarness {
    struct Node {
        var replica: ShardReplica
        /// What is durable on this node's disk: the log and the applied store.
        var durableLog: [ReplicationRecord] = []
        var store: [[UInt8]: (value: [UInt8], version: KeyVersion)] = [:]
        var storeApplied = LSN.zero
        var slowDisk = false
        var pendingPersist: [ReplicationRecord] = []
        var up = true
    }

    var nodes: [DataNodeID: Node] = [:]
    var network: [(from: DataNodeID, to: DataNodeID, message: ReplicationMessage)] = []
    var answers: [UInt64: Result<WriteOutcome, KeelError>] = [:]
    var metaRequests: [MetaRequestNeed] = []
    var now = MonotonicTime(nanoseconds: 1_000_000_000)
    var descriptor: ShardDescriptor
    var nextRequest: UInt64 = 1
    var config = ReplicaConfig()
    var partitioned: Set<DataNodeID> = []

    init(primary: DataNodeID, backups: [DataNodeID], learners: [DataNodeID] = [], config: ReplicaConfig = ReplicaConfig()) {
        self.config = config
        descriptor = ShardDescriptor(id: ShardID(1), range: .all, epoch: Epoch(1), primary: nil)
        let all = [primary] + backups + learners
        for id in all {
            nodes[id] = Node(replica: ShardReplica(node: id, descriptor: descriptor, config: config, applied: .zero, log: []))
        }
        var placed = descriptor
        placed.epoch = Epoch(2)
        placed.primary = primary
        placed.backups = backups
        placed.learners = learners
        reconfigure(placed)
        grantLease(to: primary)
        deliverAll()
    }

    // MARK: The meta group

    mutating func reconfigure(_ new: ShardDescriptor, only: [DataNodeID]? = nil) {
        descriptor = new
        for id in only ?? nodes.keys.sorted() where nodes[id]!.up {
            let output = nodes[id]!.replica.configure(new, now: now)
            carryOut(output, at: id)
        }
    }

    /// The meta group commits `change` of the current configuration as a new epoch, and
    /// every node in `only` (or every node up) hears of it; returns the new configuration.
    @discardableResult
    mutating func reconfigure(only: [DataNodeID]? = nil, _ change: (inout ShardDescriptor) -> Void) -> ShardDescriptor {
        var next = descriptor
        change(&next)
        next.epoch = descriptor.epoch.next
        reconfigure(next, only: only)
        return next
    }

    /// Adds `id` as a node that holds nothing yet and knows no epoch (a fresh data node).
    mutating func addEmptyNode(_ id: DataNodeID) {
        nodes[id] = Node(replica: ShardReplica(
            node: id, descriptor: ShardDescriptor(id: descriptor.id, range: descriptor.range, epoch: .zero, primary: nil), config: config,
            applied: .zero, log: []))
    }

    mutating func grantLease(to id: DataNodeID, seconds: UInt64 = 3) {
        nodes[id]!.replica.leaseGranted(epoch: descriptor.epoch, until: now.advanced(by: .seconds(Int64(seconds))))
    }

    // MARK: Clients

    @discardableResult
    mutating func write(_ mutation: Mutation, at id: DataNodeID, flush: Bool = true) -> UInt64 {
        let requestID = nextRequest
        nextRequest += 1
        let stored = nodes[id]!.store[mutation.key]?.version ?? .absent
        var node = nodes[id]!
        let output = node.replica.submit([ClientWrite(requestID: requestID, mutation: mutation, storedVersion: stored)], now: now)
        nodes[id] = node
        carryOut(output, at: id)
        if flush { self.flush(id) }
        return requestID
    }

    mutating func put(_ key: String, _ value: String, at id: DataNodeID, ifVersion: UInt64? = nil, flush: Bool = true) -> UInt64 {
        write(.put(key: Array(key.utf8), value: Array(value.utf8), condition: ifVersion.map { .ifVersion(KeyVersion($0)) } ?? .none), at: id, flush: flush)
    }

    mutating func flush(_ id: DataNodeID) {
        let output = nodes[id]!.replica.flush(now: now)
        carryOut(output, at: id)
    }

    func value(_ key: String, at id: DataNodeID) -> String? {
        nodes[id]!.store[Array(key.utf8)].map { String(decoding: $0.value, as: UTF8.self) }
    }

    // MARK: Driving

    mutating func carryOut(_ output: ReplicaOutput, at id: DataNodeID) {
        guard nodes[id]!.up else { return }
        if let cut = output.truncateAfter {
            nodes[id]!.durableLog.removeAll { $0.lsn > cut }
            nodes[id]!.pendingPersist.removeAll { $0.lsn > cut }
        }
        nodes[id]!.pendingPersist += output.append
        for (to, message) in output.messages { network.append((id, to, message)) }
        for record in output.apply { applyToStore(record, at: id) }
        if let last = output.apply.last { nodes[id]!.replica.applied(through: last.lsn) }
        for (requestID, result) in output.answers { answers[requestID] = result }
        metaRequests += output.requests
        if !nodes[id]!.slowDisk { persist(id) }
    }

    /// Makes everything written on `id`'s disk durable (for a slow disk, when the test says so).
    mutating func persist(_ id: DataNodeID) {
        let pending = nodes[id]!.pendingPersist
        guard let last = pending.last else { return }
        nodes[id]!.durableLog += pending
        nodes[id]!.pendingPersist = []
        let output = nodes[id]!.replica.persisted(through: last.lsn)
        carryOut(output, at: id)
    }

    private mutating func applyToStore(_ record: ReplicationRecord, at id: DataNodeID) {
        for write in record.writes {
            switch write {
            case .put(let key, let value, let version): nodes[id]!.store[key] = (value, version)
            case .delete(let key): nodes[id]!.store[key] = nil
            }
        }
        nodes[id]!.storeApplied = record.lsn
    }

    /// Delivers queued messages until the network is quiet (bounded).
    mutating func deliverAll(maxMessages: Int = 10_000) {
        var delivered = 0
        while !network.isEmpty, delivered < maxMessages {
            let (from, to, message) = network.removeFirst()
            delivered += 1
            guard nodes[to]?.up == true, !partitioned.contains(from), !partitioned.contains(to) else { continue }
            let output = nodes[to]!.replica.receive(message, from: from, now: now)
            carryOut(output, at: to)
        }
    }

    mutating func advance(_ duration: Duration) {
        now = now.advanced(by: duration)
        for id in nodes.keys.sorted() where nodes[id]!.up {
            let output = nodes[id]!.replica.tick(now: now)
            carryOut(output, at: id)
        }
    }

    /// Kills a node: everything not durable is lost.
    mutating func crash(_ id: DataNodeID) {
        nodes[id]!.up = false
        nodes[id]!.pendingPersist = []
        network.removeAll { $0.to == id || $0.from == id }
    }

    /// Restarts a node from its durable log and store, with the meta group's current view.
    mutating func restart(_ id: DataNodeID) {
        let node = nodes[id]!
        var replica = ShardReplica(
            node: id, descriptor: ShardDescriptor(id: descriptor.id, range: descriptor.range, epoch: .zero, primary: nil),
            config: config, applied: node.storeApplied, log: node.durableLog.filter { $0.lsn > node.storeApplied })
        nodes[id]!.up = true
        nodes[id]!.replica = replica
        let output = replica.configure(descriptor, now: now)
        nodes[id]!.replica = replica
        carryOut(output, at: id)
    }

    func succeeded(_ requestID: UInt64) -> WriteOutcome? {
        if case .success(let outcome) = answers[requestID] { return outcome }
        return nil
    }

    func failureCode(_ requestID: UInt64) -> KeelError.Code? {
        if case .failure(let error) = answers[requestID] { return error.code }
        return nil
    }
}
