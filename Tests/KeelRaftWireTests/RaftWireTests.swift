import KeelRaft
import KeelRaftWire
import KeelWire
import Testing

@Suite struct RaftWireTests {
    static let metadata = SnapshotMetadata(
        index: LogIndex(40), term: Term(3), configuration: RaftConfiguration(voters: [RaftNodeID(1), RaftNodeID(2)], learners: [RaftNodeID(5)]))

    static let payloads: [RaftMessage.Payload] = [
        .voteRequest(VoteRequest(isPreVote: true, lastLogIndex: LogIndex(9), lastLogTerm: Term(2), isTransfer: false)),
        .voteResponse(VoteResponse(isPreVote: false, granted: true)),
        .append(AppendRequest(
            prevLogIndex: LogIndex(7), prevLogTerm: Term(2),
            entries: [
                Entry(term: Term(3), index: LogIndex(8), kind: .normal, data: Array(repeating: 7, count: 300)),
                Entry(term: Term(3), index: LogIndex(9), kind: .empty),
                Entry(term: Term(3), index: LogIndex(10), kind: .configChange, data: [1, 2]),
            ],
            commit: LogIndex(6))),
        .appendResponse(AppendResponse(index: LogIndex(5))),
        .appendResponse(AppendResponse(
            index: LogIndex(5), rejection: RejectHint(conflictTerm: Term(1), conflictIndex: LogIndex(3), lastIndex: LogIndex(4)))),
        .appendResponse(AppendResponse(index: LogIndex(5), rejection: RejectHint(conflictTerm: nil, conflictIndex: LogIndex(3), lastIndex: LogIndex(4)))),
        .heartbeat(Heartbeat(commit: LogIndex(11), readRound: 4, sentAtTick: 99)),
        .heartbeatResponse(HeartbeatResponse(readRound: 4, sentAtTick: 99, lastIndex: LogIndex(12))),
        .snapshotChunk(SnapshotChunk(metadata: metadata, totalBytes: 1000, offset: 500, data: Array(repeating: 1, count: 500), done: true)),
        .snapshotChunkResponse(SnapshotChunkResponse(snapshotIndex: LogIndex(40), receivedBytes: 1000, outOfOrder: false)),
        .timeoutNow,
        .readIndex(ReadIndexRequest(id: ReadRequestID(rawValue: 77), mode: .lease)),
        .readIndexResponse(ReadIndexResponse(id: ReadRequestID(rawValue: 77), index: LogIndex(13), mode: .readIndex, rejection: nil)),
        .readIndexResponse(ReadIndexResponse(id: ReadRequestID(rawValue: 78), index: nil, mode: .lease, rejection: .noLeader)),
        .transferLeadership(target: RaftNodeID(3)),
    ]

    static var batch: RaftBatch {
        RaftBatch(
            group: 42,
            messages: payloads.map { RaftMessage(from: RaftNodeID(1), to: RaftNodeID(2), term: Term(3), payload: $0) })
    }

    @Test func everyPayloadRoundTrips() throws {
        let bytes = WireEnvelope.encode(Self.batch)
        let decoded = try WireEnvelope(decoding: bytes[...]).decode(as: RaftBatch.self)
        #expect(decoded == Self.batch)
    }

    @Test func truncationAtEveryOffsetIsATypedError() {
        let bytes = Self.batch.wireEncoded()
        for length in 0..<bytes.count {
            #expect(throws: WireError.self, "truncated at \(length)") { try RaftBatch(wireEncoded: bytes[..<length]) }
        }
    }

    @Test func randomCorruptionNeverCrashes() {
        let bytes = Self.batch.wireEncoded()
        var state: UInt64 = 12345
        var decodedOrRejected = 0
        for _ in 0..<2000 {
            var corrupt = bytes
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                corrupt[Int(state >> 33) % corrupt.count] = UInt8(truncatingIfNeeded: state >> 17)
            }
            // Either it decodes to something or it is rejected with a WireError; it never traps.
            _ = try? RaftBatch(wireEncoded: corrupt)
            decodedOrRejected += 1
        }
        #expect(decodedOrRejected == 2000)
    }

    @Test func unknownPayloadTagIsMalformed() throws {
        var writer = WireWriter()
        writer.writeVarint(1)
        writer.writeVarint(2)
        writer.writeVarint(3)
        writer.writeUInt8(200)
        writer.writeStruct { _ in }
        #expect(throws: WireError.self) { try RaftMessage(wireEncoded: writer.bytes) }
    }

    @Test func hardStateAndSnapshotRoundTrip() throws {
        let hard = HardState(term: Term(9), vote: RaftNodeID(2), commit: LogIndex(70))
        #expect(try HardState(wireEncoded: hard.wireEncoded()) == hard)
        #expect(try HardState(wireEncoded: HardState().wireEncoded()) == HardState())
        let snapshot = Snapshot(metadata: Self.metadata, data: [1, 2, 3])
        #expect(try Snapshot(wireEncoded: snapshot.wireEncoded()) == snapshot)
    }
}
