@_spi(Testing) @testable import KeelRaft
import Testing

/// A tiny synchronous network for unit tests: every node's outputs are carried out at
/// once (persist, send, apply), messages wait in one FIFO queue, and `stabilize()`
/// delivers until nothing is left. Links can be cut and messages filtered. It also
/// checks state-machine safety on every apply: two nodes never apply different entries
/// at the same index.
struct TestNetwork {
    var nodes: [RaftNodeID: TestNode] = [:]
    var queue: [RaftMessage] = []
    /// Links (from, to) that drop everything.
    var cutLinks: Set<Link> = []
    /// Drops a message when it returns false (in addition to cut links).
    var filter: ((RaftMessage) -> Bool)?
    /// Every message delivered, in order (for assertions on traffic).
    var delivered: [RaftMessage] = []
    /// Entries applied anywhere, by index: the state-machine-safety oracle.
    var appliedAnywhere: [LogIndex: Entry] = [:]
    /// For each applied index, the highest term any node had when it was first applied:
    /// the entry was committed in that term or earlier, so every leader of a later term
    /// must hold it (leader completeness).
    var committedNoLaterThan: [LogIndex: Term] = [:]
    /// State-machine-safety violations seen (two nodes applied different entries at one
    /// index). Recorded as test failures unless `expectSafety` is false (bug tests).
    var safetyViolations: [String] = []
    var expectSafety = true

    struct Link: Hashable { var from: RaftNodeID; var to: RaftNodeID }

    var ids: [RaftNodeID] { nodes.keys.sorted() }

    /// A new group of `count` voters (ids 1...count) plus `learners` more (ids after).
    init(voters count: Int, learners: Int = 0, configure: (inout RaftConfig) -> Void = { _ in }) {
        let voterIDs = (1...count).map { RaftNodeID(UInt64($0)) }
        let learnerIDs = (0..<learners).map { RaftNodeID(UInt64(count + 1 + $0)) }
        let membership = RaftConfiguration(voters: voterIDs, learners: learnerIDs)
        for id in voterIDs + learnerIDs {
            add(id, bootstrap: .newGroup(membership), configure: configure)
        }
    }

    /// Adds a node (e.g. one that joins with `.joining`).
    mutating func add(_ id: RaftNodeID, bootstrap: RaftBootstrap, configure: (inout RaftConfig) -> Void = { _ in }) {
        var config = RaftConfig(id: id, seed: 42)
        configure(&config)
        var node = TestNode(config: config, storage: TestStorage(bootstrap: bootstrap))
        node.start()
        nodes[id] = node
    }

    subscript(id: RaftNodeID) -> TestNode {
        get { nodes[id]! }
        set { nodes[id] = newValue }
    }

    /// Runs one input on a node and carries out its output.
    @discardableResult
    mutating func step(_ id: RaftNodeID, _ input: RaftInput) -> RaftOutput {
        guard var node = nodes[id], node.isUp else { return RaftOutput() }
        let output = node.raft.step(input)
        node.carryOut(output)
        nodes[id] = node
        for entry in output.committedEntries { checkApplied(entry, on: id) }
        queue.append(contentsOf: output.messages)
        return output
    }

    private mutating func checkApplied(_ entry: Entry, on id: RaftNodeID) {
        if let other = appliedAnywhere[entry.index] {
            if other != entry {
                let violation = "state machine safety: \(id) applied \(entry) where another node applied \(other)"
                safetyViolations.append(violation)
                if expectSafety { Issue.record(Comment(rawValue: violation)) }
            }
        } else {
            appliedAnywhere[entry.index] = entry
            committedNoLaterThan[entry.index] = nodes.values.compactMap { $0.raft?.currentTerm }.max()
        }
    }

    /// Delivers queued messages (and those they cause) until none is left; returns how
    /// many were delivered. Bounded so that a livelock fails instead of hanging.
    @discardableResult
    mutating func stabilize(maxMessages: Int = 100_000) -> Int {
        var count = 0
        while !queue.isEmpty {
            count += 1
            #expect(count <= maxMessages, "network did not stabilize")
            if count > maxMessages { break }
            let message = queue.removeFirst()
            guard shouldDeliver(message) else { continue }
            delivered.append(message)
            step(message.to, .message(message))
        }
        return count
    }

    /// Delivers only the messages queued right now (one hop).
    mutating func deliverQueued() {
        let batch = queue
        queue.removeAll()
        for message in batch where shouldDeliver(message) {
            delivered.append(message)
            step(message.to, .message(message))
        }
    }

    private func shouldDeliver(_ message: RaftMessage) -> Bool {
        guard let target = nodes[message.to], target.isUp else { return false }
        if cutLinks.contains(Link(from: message.from, to: message.to)) { return false }
        return filter?(message) ?? true
    }

    /// Removes queued messages matching `predicate` and returns them.
    mutating func takeQueued(where predicate: (RaftMessage) -> Bool) -> [RaftMessage] {
        let taken = queue.filter(predicate)
        queue.removeAll(where: predicate)
        return taken
    }

    mutating func tick(_ id: RaftNodeID, times: Int = 1) {
        for _ in 0..<times { step(id, .tick) }
    }

    /// Ticks every node once per round, stabilizing after each round.
    mutating func tickAll(_ rounds: Int) {
        for _ in 0..<rounds {
            for id in ids { step(id, .tick) }
            stabilize()
        }
    }

    /// Makes `id` campaign and delivers everything: with a healthy network it leads.
    mutating func elect(_ id: RaftNodeID) {
        step(id, .campaign)
        stabilize()
    }

    /// Proposes one entry on `id` and delivers everything.
    @discardableResult
    mutating func propose(_ id: RaftNodeID, _ data: [UInt8], id proposal: UInt64 = 0) -> RaftOutput {
        let output = step(id, .propose([Proposal(id: ProposalID(proposal), data: data)]))
        stabilize()
        return output
    }

    // MARK: Partitions and crashes

    mutating func cut(_ a: RaftNodeID, _ b: RaftNodeID) {
        cutLinks.insert(Link(from: a, to: b))
        cutLinks.insert(Link(from: b, to: a))
    }

    /// Cuts only the direction `from` → `to`.
    mutating func cutOneWay(from: RaftNodeID, to: RaftNodeID) {
        cutLinks.insert(Link(from: from, to: to))
    }

    mutating func isolate(_ id: RaftNodeID) {
        for other in ids where other != id { cut(id, other) }
    }

    mutating func heal() { cutLinks.removeAll() }

    /// Stops a node: it loses all volatile state and receives nothing.
    mutating func crash(_ id: RaftNodeID) {
        nodes[id]!.isUp = false
        nodes[id]!.storage.loseUnsyncedWrites()
        queue.removeAll { $0.to == id || $0.from == id }
    }

    /// Restarts a crashed node from what it persisted.
    mutating func restart(_ id: RaftNodeID) {
        nodes[id]!.start()
    }

    var leaders: [RaftNodeID] { ids.filter { nodes[$0]!.isUp && nodes[$0]!.raft.currentRole == .leader } }
}

/// One node of the test network: the core, what it persisted, and its state machine
/// (the list of applied normal entries).
struct TestNode {
    let config: RaftConfig
    var storage: TestStorage
    var raft: RaftNode!
    var isUp = false
    /// The state machine: applied normal-entry payloads, in order.
    var appliedData: [[UInt8]] = []
    var appliedIndex: LogIndex = .zero
    var readStates: [ReadState] = []
    var rejectedReads: [RejectedRead] = []
    var accepted: [AcceptedProposal] = []
    var rejected: [RejectedProposal] = []
    var errors: [RaftError] = []
    var restoredSnapshots = 0

    init(config: RaftConfig, storage: TestStorage) {
        self.config = config
        self.storage = storage
    }

    mutating func start() {
        raft = try! RaftNode(config: config, bootstrap: storage.bootstrap(applied: storage.snapshot.metadata.index))
        appliedData = TestStateMachine.decode(storage.snapshot.data)
        appliedIndex = storage.snapshot.metadata.index
        isUp = true
    }

    mutating func carryOut(_ output: RaftOutput) {
        storage.persist(output)
        if output.restoreStateMachine, let snapshot = output.snapshot {
            appliedData = TestStateMachine.decode(snapshot.data)
            appliedIndex = snapshot.metadata.index
            restoredSnapshots += 1
        }
        for entry in output.committedEntries {
            #expect(entry.index == appliedIndex.next, "entries applied out of order")
            appliedIndex = entry.index
            if entry.kind == .normal { appliedData.append(entry.data) }
        }
        readStates += output.readStates
        rejectedReads += output.rejectedReads
        accepted += output.acceptedProposals
        rejected += output.rejectedProposals
        errors += output.errors
    }

    /// Takes a snapshot of the state machine and compacts the log through the applied index.
    mutating func compactAtApplied() -> RaftOutput {
        let output = raft.step(.compact(through: appliedIndex, snapshotData: TestStateMachine.encode(appliedData)))
        carryOut(output)
        return output
    }
}

/// What a node persisted: the shell's side of the output contract. Writes become
/// durable only at an fsync (`mustSync`); a crash loses everything written since.
struct TestStorage {
    var hardState: HardState
    var snapshot: Snapshot
    var entries: [Entry]
    var syncs = 0
    private var durable: (HardState, Snapshot, [Entry])

    init(bootstrap: RaftBootstrap) {
        hardState = bootstrap.hardState
        snapshot = bootstrap.snapshot
        entries = bootstrap.entries
        durable = (hardState, snapshot, entries)
    }

    /// A crash: unsynced writes are lost.
    mutating func loseUnsyncedWrites() {
        (hardState, snapshot, entries) = durable
    }

    func bootstrap(applied: LogIndex) -> RaftBootstrap {
        RaftBootstrap(hardState: hardState, snapshot: snapshot, entries: entries, applied: applied)
    }

    mutating func persist(_ output: RaftOutput) {
        if let snapshot = output.snapshot {
            // A shell writes the snapshot durably before it drops the log prefix.
            self.snapshot = snapshot
            durable.1 = snapshot
            if output.restoreStateMachine {
                entries.removeAll()
            } else {
                entries.removeAll { $0.index <= snapshot.metadata.index }
            }
            durable.2.removeAll { $0.index <= snapshot.metadata.index || output.restoreStateMachine }
        }
        if let first = output.entriesToPersist.first?.index {
            // Entries are contiguous: cut at the position of `first`.
            let keep = entries.first.map { first.distance(from: $0.index) } ?? 0
            entries.removeSubrange(min(keep, entries.count)...)
            entries += output.entriesToPersist
        }
        if let hard = output.hardState { hardState = hard }
        if output.mustSync {
            syncs += 1
            durable = (hardState, snapshot, entries)
        }
    }
}

/// Encodes the test state machine (a list of byte strings) as snapshot data.
enum TestStateMachine {
    static func encode(_ items: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for item in items {
            bytes.append(UInt8(item.count))
            bytes += item
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> [[UInt8]] {
        var items: [[UInt8]] = []
        var position = 0
        while position < bytes.count {
            let count = Int(bytes[position])
            items.append(Array(bytes[(position + 1)..<(position + 1 + count)]))
            position += 1 + count
        }
        return items
    }
}

extension RaftNodeID: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt64) { self.init(value) }
}
