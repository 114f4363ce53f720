import KeelTypes

/// Limits of one bulk load's pipeline; together they bound the router's memory per load
/// to about `maxBufferedBytes + maxInFlightBatches × maxBatchBytes`.
public struct BulkIngestLimits: Sendable {
    /// A shard's pending records are sent once they reach this many operations…
    public var maxBatchOperations = 1024
    /// …or this many bytes.
    public var maxBatchBytes = 1 << 20
    /// Batches sent and not yet answered, over all shards.
    public var maxInFlightBatches = 32
    /// Records grouped but not yet sent, over all shards; beyond it the largest group is sent.
    public var maxBufferedBytes = 8 << 20
    /// Per-line errors listed in the answer (all are counted in `failed`).
    public var maxReportedErrors = 1000
    public init() {}
}

/// The answer to a bulk load: counts and the first failing lines.
struct BulkSummary: Sendable, Equatable {
    var written = 0
    var deleted = 0
    var failed = 0
    var errors: [BulkLineError] = []
    var maybeAppliedLines: Set<Int> = []
    var errorsTruncated = false

    mutating func record(_ error: BulkLineError, maybeApplied: Bool, limit: Int) {
        failed += 1
        if maybeApplied { maybeAppliedLines.insert(error.line) }
        errors.append(error)
        if errors.count > 2 * limit { trim(to: limit) }
    }

    /// Errors in line order, at most `limit` of them.
    mutating func trim(to limit: Int) {
        errors.sort { $0.line < $1.line }
        if errors.count > limit {
            errorsTruncated = true
            errors.removeLast(errors.count - limit)
        }
        maybeAppliedLines = maybeAppliedLines.filter { line in errors.contains { $0.line == line } }
    }
}

/// The answer to one batch, matched back to its lines.
struct BulkBatchAnswer: Sendable {
    var lines: [Int]
    var mutations: [Mutation]
    var results: [Result<WriteOutcome, KeelError>]
}

/// Groups bulk records per shard and sends them as pipelined batches.
///
/// Owned by one request task, which passes in the task group the batches run in: records
/// come in with `add`, full groups go out as child tasks, and `add` waits for an answer
/// whenever `maxInFlightBatches` are out. That wait is the back-pressure: the request body
/// is not read further until the cluster has caught up.
struct BulkIngest<Service: KeyValueService> {
    typealias Group = ThrowingTaskGroup<BulkBatchAnswer, any Error>

    private struct PendingBatch {
        var lines: [Int] = []
        var mutations: [Mutation] = []
        var bytes = 0
    }

    let service: Service
    let limits: BulkIngestLimits
    private(set) var summary = BulkSummary()
    private var pending: [ShardID: PendingBatch] = [:]
    private var bufferedBytes = 0
    private var inFlight = 0

    init(service: Service, limits: BulkIngestLimits) {
        self.service = service
        self.limits = limits
    }

    /// Reports a line that could not be parsed or broke a limit.
    mutating func reject(_ error: BulkLineError) {
        summary.record(error, maybeApplied: false, limit: limits.maxReportedErrors)
    }

    /// Adds a record to its shard's group, sending groups that are full.
    mutating func add(_ record: BulkRecord, group: inout Group) async throws {
        guard let shard = await service.shard(for: record.mutation.key) else {
            reject(BulkLineError(line: record.line, code: .shardUnavailable, message: "no shard owns this key in the router's map"))
            return
        }
        let size = record.mutation.sizeBytes
        pending[shard, default: PendingBatch()].lines.append(record.line)
        pending[shard]!.mutations.append(record.mutation)
        pending[shard]!.bytes += size
        bufferedBytes += size
        let batch = pending[shard]!
        if batch.mutations.count >= limits.maxBatchOperations || batch.bytes >= limits.maxBatchBytes {
            try await send(shard, group: &group)
        }
        while bufferedBytes > limits.maxBufferedBytes, let largest = pending.max(by: { $0.value.bytes < $1.value.bytes })?.key {
            try await send(largest, group: &group)
        }
    }

    /// Sends every remaining group, waits for every answer, and returns the summary.
    mutating func finish(group: inout Group) async throws -> BulkSummary {
        for shard in pending.keys.sorted() { try await send(shard, group: &group) }
        while let answer = try await group.next() { absorb(answer) }
        inFlight = 0
        summary.trim(to: limits.maxReportedErrors)
        return summary
    }

    private mutating func send(_ shard: ShardID, group: inout Group) async throws {
        guard let batch = pending.removeValue(forKey: shard), !batch.mutations.isEmpty else { return }
        bufferedBytes -= batch.bytes
        while inFlight >= limits.maxInFlightBatches, let answer = try await group.next() {
            inFlight -= 1
            absorb(answer)
        }
        let service = self.service
        group.addTask {
            let results = await service.write(batch: batch.mutations, shard: shard)
            return BulkBatchAnswer(lines: batch.lines, mutations: batch.mutations, results: results)
        }
        inFlight += 1
    }

    private mutating func absorb(_ answer: BulkBatchAnswer) {
        for (index, result) in answer.results.enumerated() {
            switch result {
            case .success:
                if answer.mutations[index].isDelete { summary.deleted += 1 } else { summary.written += 1 }
            case .failure(let error) where error.code == .notFound && answer.mutations[index].isDelete:
                // Deleting what is already gone is done: a resumed load repeats deletes.
                summary.deleted += 1
            case .failure(let error):
                summary.record(
                    BulkLineError(line: answer.lines[index], code: error.code, message: error.message),
                    maybeApplied: error.maybeApplied, limit: limits.maxReportedErrors)
            }
        }
    }
}
