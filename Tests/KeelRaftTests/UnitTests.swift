@_spi(Testing) @testable import KeelRaft
import Testing

/// The building blocks: the in-memory log, config changes, validation of config and
/// bootstrap, the inflight window.
@Suite struct RaftLogTests {
    /// A log with the given terms at indexes 1, 2, … after a snapshot at `snapshotIndex`.
    static func log(snapshotIndex: UInt64 = 0, snapshotTerm: UInt64 = 0, terms: [UInt64]) -> RaftLog {
        let entries = terms.enumerated().map { offset, term in
            Entry(term: Term(term), index: LogIndex(snapshotIndex + UInt64(offset) + 1))
        }
        return RaftLog(snapshotIndex: LogIndex(snapshotIndex), snapshotTerm: Term(snapshotTerm), entries: entries,
                       committed: LogIndex(snapshotIndex))
    }

    @Test func termLookups() {
        let log = Self.log(snapshotIndex: 3, snapshotTerm: 1, terms: [1, 2, 2, 4])
        #expect(log.firstIndex == LogIndex(4))
        #expect(log.lastIndex == LogIndex(7))
        #expect(log.lastTerm == Term(4))
        #expect(log.term(at: LogIndex(3)) == Term(1))
        #expect(log.term(at: LogIndex(2)) == nil, "compacted")
        #expect(log.term(at: LogIndex(8)) == nil, "beyond the end")
        #expect(log.term(at: LogIndex(6)) == Term(2))
    }

    @Test func termSearchesForBacktracking() {
        let log = Self.log(terms: [1, 1, 2, 2, 2, 5, 5, 7])
        #expect(log.firstIndexOfTerm(at: LogIndex(5)) == LogIndex(3))
        #expect(log.firstIndexOfTerm(at: LogIndex(7)) == LogIndex(6))
        #expect(log.lastIndex(ofTerm: Term(2), atOrBelow: LogIndex(8)) == LogIndex(5))
        #expect(log.lastIndex(ofTerm: Term(2), atOrBelow: LogIndex(4)) == LogIndex(4))
        #expect(log.lastIndex(ofTerm: Term(3), atOrBelow: LogIndex(8)) == nil)
        #expect(log.lastIndex(ofTerm: Term(7), atOrBelow: LogIndex(8)) == LogIndex(8))
        #expect(log.lastIndex(ofTerm: Term(9), atOrBelow: LogIndex(8)) == nil)
    }

    @Test func upToDateOrder() {
        let log = Self.log(terms: [1, 2, 2])
        #expect(log.isUpToDate(lastIndex: LogIndex(1), lastTerm: Term(3)))
        #expect(log.isUpToDate(lastIndex: LogIndex(3), lastTerm: Term(2)))
        #expect(!log.isUpToDate(lastIndex: LogIndex(2), lastTerm: Term(2)))
        #expect(!log.isUpToDate(lastIndex: LogIndex(9), lastTerm: Term(1)))
    }

    @Test func truncateAndAppendReplacesTheSuffix() {
        var log = Self.log(terms: [1, 1, 1, 1])
        log.truncateAndAppend([Entry(term: Term(2), index: LogIndex(3)), Entry(term: Term(2), index: LogIndex(4)),
                               Entry(term: Term(2), index: LogIndex(5))][...])
        #expect(log.lastIndex == LogIndex(5))
        #expect((1...5).map { log.term(at: LogIndex(UInt64($0)))!.rawValue } == [1, 1, 2, 2, 2])
    }

    @Test func entriesRespectTheByteBudget() {
        let log = Self.log(terms: Array(repeating: 1, count: 10))
        #expect(log.entries(from: LogIndex(1), maxBytes: 3 * Entry.headerBytes).count == 3)
        #expect(log.entries(from: LogIndex(1), maxBytes: 1).count == 1, "at least one entry")
        #expect(log.entries(from: LogIndex(11), maxBytes: 1000).isEmpty)
        #expect(log.entries(from: LogIndex(9), maxBytes: 1000).count == 2)
    }

    @Test func compactionMovesTheBoundaryWithoutLosingEntries() {
        var log = Self.log(terms: Array(repeating: 1, count: 200) + [2, 2])
        log.commit(to: LogIndex(150))
        log.compact(through: LogIndex(150))
        #expect(log.firstIndex == LogIndex(151))
        #expect(log.term(at: LogIndex(150)) == Term(1))
        #expect(log.entry(at: LogIndex(150)) == nil)
        #expect(log.entry(at: LogIndex(201))?.term == Term(2))
        #expect(log.slice(from: LogIndex(1), through: LogIndex(1000)).count == 52)
        log.append(Entry(term: Term(3), index: LogIndex(203)))
        #expect(log.lastIndex == LogIndex(203))
    }
}

@Suite struct ConfigChangeTests {
    @Test(arguments: [ConfigChange.Operation.addVoter, .addLearner, .remove, .promoteLearner])
    func encodingRoundTrips(operation: ConfigChange.Operation) throws {
        let change = ConfigChange(operation, node: RaftNodeID(0x0102_0304_0506_0708), context: [9, 8, 7])
        #expect(try ConfigChange(decoding: change.encoded()) == change)
    }

    @Test(arguments: [[UInt8](), [1, 2, 3], [99, 0, 0, 0, 0, 0, 0, 0, 1]])
    func malformedBytesThrow(bytes: [UInt8]) {
        #expect(throws: RaftError.self) { try ConfigChange(decoding: bytes) }
    }

    @Test func membershipHelpers() {
        let configuration = RaftConfiguration(voters: [3, 1, 2, 1], learners: [4, 2])
        #expect(configuration.voters == [1, 2, 3])
        #expect(configuration.learners == [4])
        #expect(configuration.quorumSize == 2)
        #expect(configuration.members == [1, 2, 3, 4])
        #expect(RaftConfiguration(voters: [1, 2, 3, 4]).quorumSize == 3)
    }
}

@Suite struct ValidationTests {
    @Test(arguments: [
        RaftConfig(id: 0),
        RaftConfig(id: 1, electionTicks: 1, heartbeatTicks: 1),
        RaftConfig(id: 1, heartbeatTicks: 0),
        RaftConfig(id: 1, maxInflightMessages: 0),
        RaftConfig(id: 1, leaseSafetyMarginTicks: 10),
    ])
    func invalidConfigsAreRefused(config: RaftConfig) {
        #expect(throws: RaftError.self) {
            _ = try RaftNode(config: config, bootstrap: .newGroup(RaftConfiguration(voters: [1])))
        }
    }

    static let snapshot = Snapshot(metadata: SnapshotMetadata(index: LogIndex(5), term: Term(2),
                                                              configuration: RaftConfiguration(voters: [1])), data: [])

    @Test func bootstrapWithAGapIsRefused() {
        let bootstrap = RaftBootstrap(hardState: HardState(term: Term(2)), snapshot: Self.snapshot,
                                      entries: [Entry(term: Term(2), index: LogIndex(7))])
        do {
            _ = try RaftNode(config: RaftConfig(id: 1), bootstrap: bootstrap)
            Issue.record("accepted a log with a gap")
        } catch {
            #expect(error.code == .invalidBootstrap)
        }
    }

    @Test func bootstrapWithCommitBeyondTheLogIsRefused() {
        let bootstrap = RaftBootstrap(hardState: HardState(term: Term(2), commit: LogIndex(9)), snapshot: Self.snapshot,
                                      entries: [Entry(term: Term(2), index: LogIndex(6))])
        #expect(throws: RaftError.self) { _ = try RaftNode(config: RaftConfig(id: 1), bootstrap: bootstrap) }
    }

    /// A crash between an output's entries and its hard state (RAFT-BUG-1): the node
    /// restarts in the entries' term, with no vote, instead of refusing its disk.
    @Test func entriesNewerThanTheHardStateRestartInTheirTermWithNoVote() throws {
        let bootstrap = RaftBootstrap(hardState: HardState(term: Term(2), vote: RaftNodeID(1), commit: LogIndex(5)), snapshot: Self.snapshot,
                                      entries: [Entry(term: Term(3), index: LogIndex(6))])
        let node = try RaftNode(config: RaftConfig(id: 1), bootstrap: bootstrap)
        #expect(node.currentTerm == Term(3))
        #expect(node.hardState.vote == nil)
    }

    @Test func bootstrapFromASnapshotHandsOutEntriesAfterApplied() throws {
        let bootstrap = RaftBootstrap(hardState: HardState(term: Term(2), commit: LogIndex(7)), snapshot: Self.snapshot,
                                      entries: [Entry(term: Term(2), index: LogIndex(6), data: [6]),
                                                Entry(term: Term(2), index: LogIndex(7), data: [7])],
                                      applied: LogIndex(6))
        var node = try RaftNode(config: RaftConfig(id: 1), bootstrap: bootstrap)
        #expect(node.firstLogIndex == LogIndex(6))
        let output = node.step(.tick)
        #expect(output.committedEntries.map(\.data) == [[7]])
    }
}

@Suite struct InflightsTests {
    @Test func windowFillsAndFreesInOrder() {
        var inflights = Inflights(capacity: 3)
        inflights.add(lastIndex: LogIndex(5))
        inflights.add(lastIndex: LogIndex(9))
        inflights.add(lastIndex: LogIndex(12))
        #expect(inflights.isFull)
        inflights.free(through: LogIndex(9))
        #expect(inflights.count == 1)
        inflights.add(lastIndex: LogIndex(15))
        inflights.add(lastIndex: LogIndex(20))
        #expect(inflights.isFull)
        inflights.free(through: LogIndex(100))
        #expect(inflights.count == 0)
    }
}
