import Foundation
import KeelRaft
import KeelRaftStorage
import KeelStorage
import Testing

/// A three-node group whose every output is persisted through `RaftDurableStorage` before
/// its messages are delivered; nodes can be "crashed" (storage closed, core dropped) and
/// restarted from what was persisted.
final class DurableGroup {
    let root: String
    var nodes: [RaftNodeID: RaftNode] = [:]
    var storages: [RaftNodeID: RaftDurableStorage] = [:]
    var applied: [RaftNodeID: [[UInt8]]] = [:]
    var queue: [RaftMessage] = []
    let ids = [RaftNodeID(1), RaftNodeID(2), RaftNodeID(3)]

    init() async throws {
        root = NSTemporaryDirectory() + "keel-raft-storage-\(UUID().uuidString)"
        for id in ids {
            let storage = try RaftDurableStorage(directory: "\(root)/\(id.rawValue)")
            try await storage.initialize(with: .newGroup(RaftConfiguration(voters: ids)))
            storages[id] = storage
            try start(id)
        }
    }

    deinit {
        storages.values.forEach { $0.close() }
        try? FileManager.default.removeItem(atPath: root)
    }

    func start(_ id: RaftNodeID) throws {
        let bootstrap = try storages[id]!.load()
        nodes[id] = try RaftNode(config: RaftConfig(id: id, seed: id.rawValue), bootstrap: bootstrap)
        applied[id] = []
    }

    func crashAndRestart(_ id: RaftNodeID) throws {
        storages[id]!.close()
        nodes[id] = nil
        storages[id] = try RaftDurableStorage(directory: "\(root)/\(id.rawValue)")
        try start(id)
    }

    func step(_ id: RaftNodeID, _ input: RaftInput) async throws {
        guard var node = nodes[id] else { return }
        let output = node.step(input)
        nodes[id] = node
        try await storages[id]!.persist(output)
        queue += output.messages
        applied[id, default: []] += output.committedEntries.filter { $0.kind == .normal }.map(\.data)
    }

    func stabilize() async throws {
        var rounds = 0
        while !queue.isEmpty, rounds < 10_000 {
            let message = queue.removeFirst()
            try await step(message.to, .message(message))
            rounds += 1
        }
    }

    func electLeader(_ id: RaftNodeID) async throws {
        try await step(id, .campaign)
        try await stabilize()
    }
}

@Suite struct RaftDurableStorageTests {
    @Test func aRestartedNodeRecoversItsLogHardStateAndAppliedData() async throws {
        let group = try await DurableGroup()
        try await group.electLeader(RaftNodeID(1))
        #expect(group.nodes[RaftNodeID(1)]?.currentRole == .leader)
        for value in 1...20 {
            try await group.step(RaftNodeID(1), .propose([Proposal(id: ProposalID(rawValue: UInt64(value)), data: [UInt8(value)])]))
            try await group.stabilize()
        }
        let before = try #require(group.nodes[RaftNodeID(2)])
        try group.crashAndRestart(RaftNodeID(2))
        let after = try #require(group.nodes[RaftNodeID(2)])
        #expect(after.currentTerm == before.currentTerm)
        #expect(after.lastLogIndex == before.lastLogIndex)
        #expect(after.hardState.vote == before.hardState.vote)
        // Everything committed comes back out to be applied again (the state machine is rebuilt).
        try await group.step(RaftNodeID(1), .propose([Proposal(id: ProposalID(rawValue: 99), data: [99])]))
        try await group.stabilize()
        for _ in 0..<3 { try await group.step(RaftNodeID(1), .tick); try await group.stabilize() }
        #expect(group.applied[RaftNodeID(2)] == (1...20).map { [UInt8($0)] } + [[99]])
    }

    @Test func compactionAndSnapshotsSurviveRestart() async throws {
        let group = try await DurableGroup()
        try await group.electLeader(RaftNodeID(1))
        for value in 1...10 {
            try await group.step(RaftNodeID(1), .propose([Proposal(id: ProposalID(rawValue: UInt64(value)), data: [UInt8(value)])]))
            try await group.stabilize()
        }
        let leader = try #require(group.nodes[RaftNodeID(1)])
        let compactAt = leader.commitIndex
        try await group.step(RaftNodeID(1), .compact(through: compactAt, snapshotData: Array("image".utf8)))
        try group.crashAndRestart(RaftNodeID(1))
        let bootstrap = try group.storages[RaftNodeID(1)]!.load()
        #expect(bootstrap.snapshot.metadata.index == compactAt)
        #expect(bootstrap.snapshot.data == Array("image".utf8))
        #expect(bootstrap.entries.allSatisfy { $0.index > compactAt })
        #expect(bootstrap.applied == compactAt)
    }

    @Test func aCorruptSnapshotFileIsAnErrorNotAnEmptyState() async throws {
        let group = try await DurableGroup()
        try await group.electLeader(RaftNodeID(1))
        try await group.step(RaftNodeID(1), .propose([Proposal(id: ProposalID(rawValue: 1), data: [1])]))
        try await group.stabilize()
        try await group.step(RaftNodeID(1), .compact(through: group.nodes[RaftNodeID(1)]!.commitIndex, snapshotData: [1, 2, 3]))
        group.storages[RaftNodeID(1)]!.close()
        let path = "\(group.root)/1/snapshot"
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let reopened = try RaftDurableStorage(directory: "\(group.root)/1")
        defer { reopened.close() }
        #expect(throws: StorageError.self) { try reopened.load() }
    }
}
