import Testing
@testable import KeelStorage
import KeelTypes

/// Random sequences of appends (blocking, async, concurrent), truncations, compactions,
/// resets, hard-state saves and reopens, checked against an in-memory model of the log.
@Suite struct DurableLogPropertyTests {
    /// What the log must contain: records `first…` in order, and the hard state.
    struct Model {
        var first: LogIndex = 1
        var records: [[UInt8]] = []
        var hardState: [UInt8]?
        var last: LogIndex { first.advanced(by: records.count - 1) }
        var next: LogIndex { first.advanced(by: records.count) }
    }

    @Test(arguments: 0..<12)
    func logMatchesModel(seed: UInt64) async throws {
        let dir = TemporaryDirectory("log-model")
        defer { dir.remove() }
        var random = SplitMix64(seed: seed)
        let options = DurableLog.Options(segmentTargetBytes: UInt64.random(in: 200...2000, using: &random), maxBatchBytes: 512)
        var log = try DurableLog(directory: dir.path, options: options)
        var model = Model()
        for step in 0..<250 {
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<35:
                let batch = (0..<Int.random(in: 1...4, using: &random)).map { _ in random.bytes(Int.random(in: 0...120, using: &random)) }
                if Bool.random(using: &random) {
                    try await log.append(batch, at: model.next)
                } else {
                    try log.blocking.append(batch, at: model.next)
                    try log.blocking.sync()
                }
                model.records += batch
            case 35..<45:
                let batch = (0..<Int.random(in: 2...12, using: &random)).map { _ in random.bytes(Int.random(in: 0...60, using: &random)) }
                let acknowledged = try await appendConcurrently(batch, to: log)
                #expect(acknowledged.map(\.0).sorted() == (0..<batch.count).map { model.next.advanced(by: $0) })
                for (_, body) in acknowledged.sorted(by: { $0.0 < $1.0 }) { model.records.append(body) }
            case 45..<55:
                let after = model.first.advanced(by: Int.random(in: -1..<max(0, model.records.count), using: &random))
                try await log.truncateSuffix(after: after)
                model.records.removeLast(model.records.count - (model.first.distance(to: after) + 1))
            case 55..<63:
                let before = model.first.advanced(by: Int.random(in: 0...model.records.count, using: &random))
                try await log.compact(before: before)
                let first = log.firstIndex
                #expect(first >= model.first)
                #expect(first <= before || log.footprint.segments == 1, "only the last segment may hold records before \(before)")
                model.records.removeFirst(model.first.distance(to: first))
                model.first = first
            case 63..<66:
                let next = model.next.advanced(by: Int.random(in: 0...30, using: &random))
                try await log.reset(nextIndex: next)
                model = Model(first: next, records: [], hardState: model.hardState)
            case 66..<72:
                let state = random.bytes(Int.random(in: 0...64, using: &random))
                try await log.saveHardState(state)
                model.hardState = state
            case 72..<80:
                log.close()
                log = try DurableLog(directory: dir.path, options: options)
                #expect(log.recovery.tornTail == nil, "a clean close leaves no torn tail (step \(step))")
            default:
                let from = model.first.advanced(by: Int.random(in: 0...model.records.count, using: &random))
                let count = Int.random(in: 1...20, using: &random)
                let read = try log.read(from: from, maxCount: count, maxBytes: .max)
                let offset = model.first.distance(to: from)
                #expect(read.map(\.payload) == Array(model.records[offset..<min(model.records.count, offset + count)]), "step \(step)")
            }
            #expect(log.firstIndex == model.first && log.lastIndex == model.last, "step \(step), operation \(roll)")
        }
        #expect(try log.read(from: model.first, maxBytes: .max).map(\.payload) == model.records)
        #expect(log.hardState == model.hardState)
        log.close()
    }

    /// Appends each payload from its own task; returns (index, payload) as acknowledged.
    private func appendConcurrently(_ batch: [[UInt8]], to log: DurableLog) async throws -> [(LogIndex, [UInt8])] {
        try await withThrowingTaskGroup(of: (LogIndex, [UInt8]).self) { group in
            for body in batch { group.addTask { (try await log.append(body), body) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
