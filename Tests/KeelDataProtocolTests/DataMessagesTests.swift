import KeelDataProtocol
import KeelReplication
import KeelTypes
import KeelWire
import Testing

@Suite struct DataMessagesTests {
    static let view = ShardDescriptor(id: ShardID(3), range: KeyRange(start: [1], end: [9]), epoch: Epoch(4), primary: "n1", backups: ["n2"])
    static let record = ReplicationRecord(
        lsn: LSN(7), epoch: Epoch(4),
        writes: [.put(key: [1, 2], value: Array(repeating: 9, count: 200), version: KeyVersion(3)), .delete(key: [5])])

    static let requests: [DataRequest] = [
        .get(shard: ShardID(3), key: Array("k".utf8), consistency: .stale),
        .write(shard: ShardID(3), mutations: [
            .put(key: [1], value: [2], condition: .ifVersion(.absent)), .delete(key: [3], condition: .none),
        ]),
        .scan(shard: ShardID(3), start: [], end: [9], limit: 100, consistency: .linearizable),
        .scan(shard: ShardID(3), start: [1], end: nil, limit: 1, consistency: .stale),
        .snapshotChunk(shard: ShardID(3), epoch: Epoch(4), learner: "n3", chunk: 12),
    ]

    static let responses: [DataResponse] = [
        .value(nil),
        .value(VersionedValue(value: [1, 2, 3], version: KeyVersion(2), shard: ShardID(3))),
        .writes([.success(WriteOutcome(shard: ShardID(3), version: KeyVersion(1))),
                 .failure(KeelError(.notPrimary, "go away", maybeApplied: false, shard: view))]),
        .scan(items: [ScanItem(key: [1], value: [2], version: KeyVersion(1))], next: [2]),
        .snapshotChunk(entries: [SnapshotEntry(key: [1], version: 2, storedValue: [3, 4])], position: SnapshotPosition(lsn: LSN(9), epoch: Epoch(4), nextVersion: 10), done: true),
        .error(KeelError(.overloaded, "slow down", maybeApplied: true)),
    ]

    static let replication: [ReplicationMessage] = [
        .prepare(epoch: Epoch(4), records: [record], commit: LSN(6)),
        .prepareAck(epoch: Epoch(4), durable: LSN(7)),
        .prepareGap(epoch: Epoch(4), expected: LSN(5)),
        .commit(epoch: Epoch(4), commit: LSN(7)),
        .reconcile(epoch: Epoch(4), last: LSN(7), lastEpoch: Epoch(3), commit: LSN(6)),
        .reconcileReply(epoch: Epoch(4), last: LSN(5), lastEpoch: Epoch(3)),
        .staleEpoch(view),
    ]

    @Test func everyMessageRoundTrips() throws {
        for request in Self.requests { #expect(try DataRequest(wireEncoded: request.wireEncoded()) == request) }
        for response in Self.responses { #expect(try DataResponse(wireEncoded: response.wireEncoded()) == response) }
        for message in Self.replication {
            let envelope = ReplicationEnvelope(shard: ShardID(3), from: "n1", message: message)
            #expect(try ReplicationEnvelope(wireEncoded: envelope.wireEncoded()) == envelope)
        }
        let offer = SnapshotOffer(shard: ShardID(3), epoch: Epoch(4), primary: "n1")
        #expect(try SnapshotOffer(wireEncoded: offer.wireEncoded()) == offer)
    }

    @Test func truncatedMessagesAreTypedErrors() {
        typealias Decoder = (ArraySlice<UInt8>) throws -> Void
        let cases: [([UInt8], Decoder)] =
            Self.requests.map { ($0.wireEncoded(), { _ = try DataRequest(wireEncoded: $0) }) }
            + Self.responses.map { ($0.wireEncoded(), { _ = try DataResponse(wireEncoded: $0) }) }
            + Self.replication.map {
                (ReplicationEnvelope(shard: ShardID(1), from: "n", message: $0).wireEncoded(), { _ = try ReplicationEnvelope(wireEncoded: $0) })
            }
        for (bytes, decode) in cases {
            for length in 0..<bytes.count {
                #expect(throws: WireError.self, "truncated at \(length) of \(bytes.count)") { try decode(bytes[..<length]) }
            }
        }
    }
}
