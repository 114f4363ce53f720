import KeelSimulation

/// Generates linearizable histories by construction: each operation gets a linearization
/// point inside its interval and the operations run on a sequential key-value map in that
/// order, which gives every output. Operations with an unknown outcome take effect (at a
/// point that may come after the client gave up) or not, at random.
struct RandomKVHistory {
    struct Shape {
        var clients = 4
        var keys = 2
        var operationsPerClient = 15
        var unknownProbability = 0.1
        /// Versions as a log sequence number shared by all keys (for the `.increasing`
        /// model) instead of Keel's per-key counters.
        var logSequenceVersions = false
        /// Probability that a client is not told a version it could have been told.
        var hiddenVersionProbability = 0.0
    }

    /// What an operation means to do; its concrete input is fixed when it is applied, so
    /// that conditional writes name versions that exist (half of them current).
    private enum Intent {
        case put, get, delete, compareAndSet, conditionalDelete
    }

    private struct Stored {
        var value: String?
        var version: UInt64 = 0
    }

    /// A completed write, for building stale-read corruptions.
    struct Write {
        var operation: Int
        var key: String
        var value: String?
        var version: UInt64
    }

    private(set) var operations: [KVOperation] = []
    private(set) var writes: [Write] = []
    private var store: [String: Stored] = [:]
    private var lastSequence: UInt64 = 0
    private let shape: Shape

    init(seed: UInt64, shape: Shape = Shape()) {
        self.shape = shape
        var random = SimRandom(seed: seed)
        var planned: [(operation: KVOperation, intent: Intent, point: UInt64, takesEffect: Bool)] = []
        for client in 0..<shape.clients {
            var time = random.uint64(in: 0...5)
            for _ in 0..<shape.operationsPerClient {
                let invoked = time + random.uint64(in: 1...5)
                let duration = random.uint64(in: 1...20)
                let unknown = random.chance(shape.unknownProbability)
                let point = invoked + random.uint64(in: 0...(unknown ? 3 * duration : duration))
                let operation = KVOperation(
                    id: planned.count, client: client, key: "k\(random.int(in: 0...(shape.keys - 1)))", input: .get,
                    invokedAt: invoked, outcome: unknown ? .unknown : .returned(.notFound, at: invoked + duration))
                let intent: Intent = [.put, .put, .put, .get, .get, .get, .delete, .compareAndSet, .compareAndSet, .conditionalDelete][
                    Int(random.below(10))]
                planned.append((operation, intent, point, !unknown || random.chance(0.5)))
                time = invoked + duration
            }
        }
        for step in planned.sorted(by: { ($0.point, $0.operation.id) < ($1.point, $1.operation.id) }) {
            var operation = step.operation
            operation.input = input(for: step.intent, operation, random: &random)
            if step.takesEffect { apply(&operation, random: &random) }
            operations.append(operation)
        }
        operations.sort { $0.id < $1.id }
    }

    private func input(for intent: Intent, _ operation: KVOperation, random: inout SimRandom) -> KV.Input {
        let current = store[operation.key]?.version ?? 0
        // Half the conditions name the current version, the rest a near miss.
        let expected = random.chance(0.5) ? current : current + random.uint64(in: 1...2)
        let value = "c\(operation.client).\(operation.id)"
        switch intent {
        case .put: return .put(value)
        case .get: return .get
        case .delete: return .delete()
        case .compareAndSet: return .compareAndSet(expectedVersion: expected, value: value)
        case .conditionalDelete: return .delete(ifVersion: expected)
        }
    }

    /// Runs `operation` on the store and records its output (when the client saw one).
    private mutating func apply(_ operation: inout KVOperation, random: inout SimRandom) {
        var stored = store[operation.key] ?? Stored()
        let output: KV.Output
        func matches(_ ifVersion: UInt64?) -> Bool {
            guard let expected = ifVersion else { return true }
            return expected == 0 ? stored.value == nil : (stored.value != nil && stored.version == expected)
        }
        switch operation.input {
        case .get:
            output = stored.value.map { .found($0, version: stored.version) } ?? .notFound
        case .put(let value, let ifVersion):
            guard matches(ifVersion) else { output = .versionMismatch; break }
            stored = Stored(value: value, version: nextVersion(after: stored.version))
            output = .written(version: stored.version)
        case .delete(let ifVersion):
            // As Keel answers: a delete of an absent key is not_found whatever its condition.
            guard stored.value != nil else { output = .notFound; break }
            guard matches(ifVersion) else { output = .versionMismatch; break }
            let reported = shape.logSequenceVersions ? nextVersion(after: stored.version) : stored.version
            stored = Stored(value: nil, version: shape.logSequenceVersions ? reported : 0)
            output = .written(version: reported)
        }
        store[operation.key] = stored
        guard case .returned(_, let at) = operation.outcome else { return }
        let shown = hideVersion(output, random: &random)
        operation.outcome = .returned(shown, at: at)
        if case .written(let version?) = shown, stored.value != nil {
            writes.append(Write(operation: operation.id, key: operation.key, value: stored.value, version: version))
        } else if case .written = shown {
            writes.append(Write(operation: operation.id, key: operation.key, value: nil, version: 0))
        }
    }

    private mutating func nextVersion(after version: UInt64) -> UInt64 {
        guard shape.logSequenceVersions else { return version + 1 }
        lastSequence += 1
        return lastSequence
    }

    private func hideVersion(_ output: KV.Output, random: inout SimRandom) -> KV.Output {
        guard random.chance(shape.hiddenVersionProbability) else { return output }
        switch output {
        case .written: return .written(version: nil)
        case .found(let value, _): return .found(value, version: nil)
        case .notFound, .versionMismatch: return output
        }
    }

    /// Indices of completed reads.
    var completedReads: [Int] {
        operations.indices.filter { operations[$0].returnedAt != nil && operations[$0].input == .get }
    }

    /// Makes read `index` return a value no operation ever wrote.
    mutating func corruptWithUnwrittenValue(read index: Int) {
        operations[index].outcome = .returned(.found("never-written", version: nil), at: operations[index].returnedAt!)
    }

    /// Makes some read return a value that a later completed write had definitely replaced
    /// before the read began; returns the read's index, or nil when no read qualifies.
    mutating func corruptWithStaleValue(random: inout SimRandom) -> Int? {
        var candidates: [(read: Int, write: Write)] = []
        for read in completedReads {
            let invoked = operations[read].invokedAt
            for old in writes where old.key == operations[read].key && old.value != nil {
                let oldReturned = operations[old.operation].returnedAt!
                let superseded = writes.contains { newer in
                    newer.key == old.key && operations[newer.operation].invokedAt > oldReturned
                        && operations[newer.operation].returnedAt! < invoked
                }
                if superseded { candidates.append((read, old)) }
            }
        }
        guard let (read, write) = random.pick(candidates) else { return nil }
        operations[read].outcome = .returned(
            .found(write.value!, version: write.version), at: operations[read].returnedAt!)
        return read
    }
}
