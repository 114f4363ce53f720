@_spi(Testing) @testable import KeelRaft
import Testing

/// Raft §7 log compaction: compaction at an applied index, InstallSnapshot in bounded
/// chunks with loss recovery, install and restart.
@Suite struct SnapshotTests {
    /// Three nodes; node 3 is down while node 1 commits `count` entries of 10 bytes and
    /// compacts; then node 3 comes back and must be sent a snapshot.
    static func laggingFollower(count: Int = 50, chunkBytes: Int = 64,
                                configure: (inout RaftConfig) -> Void = { _ in }) -> TestNetwork {
        var network = TestNetwork(voters: 3) { config in
            config.maxSnapshotChunkBytes = chunkBytes
            config.maxInflightMessages = 4
            configure(&config)
        }
        network.elect(1)
        network.crash(3)
        network.step(1, .propose(proposals(count, bytes: 10)))
        network.stabilize()
        _ = network[1].compactAtApplied()
        return network
    }

    @Test func compactionDropsThePrefixAndHandsOutTheSnapshot() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.step(1, .propose(proposals(10)))
        network.stabilize()
        let applied = network[1].appliedIndex
        let output = network[1].compactAtApplied()
        let snapshot = try! #require(output.snapshot)
        #expect(!output.restoreStateMachine)
        #expect(snapshot.metadata.index == applied)
        #expect(snapshot.metadata.term == network[1].raft.currentTerm)
        #expect(snapshot.metadata.configuration == RaftConfiguration(voters: [1, 2, 3]))
        #expect(network[1].raft.firstLogIndex == applied.next)
        #expect(network[1].raft.entry(at: applied) == nil)
        #expect(network[1].storage.entries.isEmpty)
        // Replication goes on after compaction.
        network.propose(1, [42])
        #expect(network[2].appliedData.last == [42])
    }

    @Test func compactionOutsideTheAppliedRangeIsRefused() {
        var network = TestNetwork(voters: 1)
        network.elect(1)
        let beyond = network[1].raft.step(.compact(through: LogIndex(100), snapshotData: []))
        #expect(beyond.errors.map(\.code) == [.compactionOutOfRange])
        #expect(beyond.snapshot == nil)
        _ = network[1].compactAtApplied()
        let again = network[1].compactAtApplied()
        #expect(again.errors.map(\.code) == [.compactionOutOfRange])
    }

    @Test func laggingFollowerReceivesTheSnapshotInBoundedChunks() {
        var network = Self.laggingFollower()
        let snapshotBytes = network[1].raft.snapshot.data.count
        network.restart(3)
        network.tickAll(10)
        let chunks = network.delivered.compactMap { $0.to == 3 ? $0.snapshotChunk : nil }
        #expect(chunks.allSatisfy { $0.data.count <= 64 })
        #expect(Set(chunks.map(\.offset)).count == (snapshotBytes + 63) / 64)
        #expect(chunks.filter(\.done).count == 1)
        #expect(network[3].restoredSnapshots == 1)
        #expect(network[3].appliedData == network[1].appliedData)
        #expect(network[3].raft.snapshotMetadata == network[1].raft.snapshotMetadata)
        // And replication continues from the snapshot on.
        network.propose(1, [7])
        #expect(network[3].appliedData.last == [7])
        #expect(network[1].raft.peerProgress.first { $0.id == 3 }?.state == .replicate)
    }

    @Test func chunksAreWindowedByMaxInflightMessages() {
        var network = Self.laggingFollower()
        network.restart(3)
        // The leader learns node 3 needs a snapshot from its reply to a heartbeat.
        network.tick(1)
        network.deliverQueued()
        network.deliverQueued()
        #expect(network.queue.filter { $0.snapshotChunk != nil }.count <= 4)
        network.tickAll(10)
        #expect(network[3].restoredSnapshots == 1)
    }

    @Test func aLostChunkIsResentFromTheFollowersPrefix() {
        var network = Self.laggingFollower()
        let dropped = Counter()
        network.filter = { message in
            guard let chunk = message.snapshotChunk, chunk.offset == 128 else { return true }
            return dropped.increment(message.to) > 1
        }
        network.restart(3)
        network.tickAll(10)
        #expect(network[3].restoredSnapshots == 1)
        #expect(network[3].appliedData == network[1].appliedData)
    }

    @Test func aLostLastChunkIsResentAfterAHeartbeat() {
        var network = Self.laggingFollower()
        let dropped = Counter()
        network.filter = { message in
            guard let chunk = message.snapshotChunk, chunk.done else { return true }
            return dropped.increment(message.to) > 2
        }
        network.restart(3)
        network.tickAll(10)
        #expect(network[3].restoredSnapshots == 1)
        #expect(network[3].appliedData == network[1].appliedData)
    }

    @Test func emptySnapshotDataIsOneChunk() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.crash(3)
        network.step(1, .propose(proposals(3)))
        network.stabilize()
        _ = network[1].raft.step(.compact(through: network[1].appliedIndex, snapshotData: []))
        network.restart(3)
        network.tickAll(3)
        let chunks = network.delivered.compactMap(\.snapshotChunk)
        #expect(chunks.count == 1)
        #expect(chunks.first?.done == true)
        #expect(network[3].restoredSnapshots == 1)
    }

    @Test func nodeRestartsFromItsSnapshot() {
        var network = Self.laggingFollower()
        let applied = network[1].appliedData
        network.crash(1)
        network.restart(1)
        #expect(network[1].raft.snapshotMetadata.index.next == network[1].raft.firstLogIndex)
        #expect(network[1].appliedData == applied)
        network.restart(3)
        network.tickAll(30)
        #expect(network.leaders.count == 1)
        #expect(network[3].appliedData == applied)
    }

    @Test func snapshotRecordsTheMembershipAtItsIndex() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        MembershipTests.change(&network, ConfigChange(.remove, node: 3))
        let output = network[1].compactAtApplied()
        #expect(output.snapshot?.metadata.configuration == RaftConfiguration(voters: [1, 2]))
    }

    @Test func snapshotTransferRestartsWhenTheLeaderCompactsAgain() {
        var network = Self.laggingFollower(chunkBytes: 16)
        network.restart(3)
        network.tick(1)
        network.deliverQueued()
        network.deliverQueued()  // first chunks on their way
        network.step(1, .propose(proposals(5, firstID: 1000, bytes: 10)))
        let before = network[1].raft.snapshotMetadata.index
        network.stabilize()
        _ = network[1].compactAtApplied()
        #expect(network[1].raft.snapshotMetadata.index > before)
        network.tickAll(20)
        #expect(network[3].appliedData == network[1].appliedData)
        #expect(network[3].raft.snapshotMetadata.index >= before)
    }

    @Test func incomingSnapshotAcceptsOverlapsAndRefusesGaps() {
        let meta = SnapshotMetadata(index: LogIndex(5), term: Term(2), configuration: .empty)
        var incoming = IncomingSnapshot(metadata: meta, totalBytes: 6)
        func chunk(_ offset: Int, _ data: [UInt8]) -> SnapshotChunk {
            SnapshotChunk(metadata: meta, totalBytes: 6, offset: offset, data: data, done: offset + data.count == 6)
        }
        let first = incoming.accept(chunk(0, [1, 2, 3]))
        let gap = incoming.accept(chunk(4, [5, 6]))
        let overlap = incoming.accept(chunk(2, [3, 4]))
        let duplicate = incoming.accept(chunk(0, [1, 2]))
        let last = incoming.accept(chunk(4, [5, 6]))
        #expect(first)
        #expect(!gap, "a gap")
        #expect(overlap, "an overlap extends the prefix")
        #expect(duplicate, "a duplicate is harmless")
        #expect(last)
        #expect(incoming.isComplete)
        #expect(incoming.data == [1, 2, 3, 4, 5, 6])
    }

    @Test func malformedChunkIsReportedNotInstalled() {
        var network = TestNetwork(voters: 2)
        network.elect(1)
        let meta = SnapshotMetadata(index: LogIndex(50), term: Term(2), configuration: .empty)
        let bad = SnapshotChunk(metadata: meta, totalBytes: 2, offset: 1, data: [1, 2, 3], done: true)
        let output = network.step(2, .message(RaftMessage(from: 1, to: 2, term: Term(2), payload: .snapshotChunk(bad))))
        #expect(output.errors.map(\.code) == [.malformedSnapshotChunk])
        #expect(output.snapshot == nil)
    }
}

extension SnapshotTests {
    @Test func followerThatRestartsMidTransferIsSentTheSnapshotFromTheStart() {
        var network = Self.laggingFollower(chunkBytes: 16)
        network.restart(3)
        network.tick(1)
        // Let a few chunks through, then crash node 3 (its partial snapshot is lost).
        for _ in 0..<6 { network.deliverQueued() }
        #expect(network[1].raft.peerProgress.first { $0.id == 3 }?.state == .snapshot)
        network.crash(3)
        network.restart(3)
        network.tickAll(10)
        #expect(network[3].restoredSnapshots == 1)
        #expect(network[3].appliedData == network[1].appliedData)
    }
}
