import Testing

@testable import KeelTransport

@Suite("Outbound queue")
struct OutboundQueueTests {
    func frame(_ id: UInt64, bytes: Int = 10, kind: FrameKind = .message) -> OutboundFrame {
        OutboundFrame(kind: kind, correlationID: id, payload: [UInt8](repeating: 0, count: bytes))
    }

    @Test("the frame bound holds")
    func frameBound() {
        var queue = OutboundQueue(maxFrames: 3, maxBytes: 1 << 20)
        #expect((0..<5).map { queue.append(frame($0)) } == [true, true, true, false, false])
        #expect(queue.count == 3)
    }

    @Test("the byte bound holds, but one large frame fits an empty queue")
    func byteBound() {
        var queue = OutboundQueue(maxFrames: 100, maxBytes: 100)
        let first = queue.append(frame(1, bytes: 500))
        let second = queue.append(frame(2, bytes: 1))
        #expect(first && !second)
        _ = queue.popBatch(maxBytes: 1)
        let third = queue.append(frame(3, bytes: 40))  // 53 wire bytes
        #expect(third && queue.byteCount == 53)
        let fourth = queue.append(frame(4, bytes: 40))
        #expect(!fourth)
    }

    @Test("batches take at least one frame and otherwise stay under the byte limit, in order")
    func batches() {
        var queue = OutboundQueue(maxFrames: 100, maxBytes: 1 << 20)
        for id in 0..<10 { _ = queue.append(frame(UInt64(id))) }  // 23 wire bytes each
        #expect(queue.popBatch(maxBytes: 50).map(\.correlationID) == [0, 1])
        #expect(queue.popBatch(maxBytes: 1).map(\.correlationID) == [2])
        #expect(queue.popBatch(maxBytes: 1_000).map(\.correlationID) == Array(3..<10))
        #expect(queue.isEmpty && queue.byteCount == 0)
        #expect(queue.popBatch(maxBytes: 1_000).isEmpty)
    }

    @Test("removing requests keeps the rest in order and the byte count right")
    func removeRequests() {
        var queue = OutboundQueue(maxFrames: 100, maxBytes: 1 << 20)
        for id in 0..<6 { _ = queue.append(frame(UInt64(id), kind: id.isMultiple(of: 2) ? .request : .message)) }
        #expect(queue.queuedRequestIDs == [0, 2, 4])
        let removed = queue.removeAll { $0.kind == .request && $0.correlationID == 2 }
        #expect(removed.map(\.correlationID) == [2])
        #expect(queue.popBatch(maxBytes: 1 << 20).map(\.correlationID) == [0, 1, 3, 4, 5])
        #expect(queue.byteCount == 0)
    }
}
