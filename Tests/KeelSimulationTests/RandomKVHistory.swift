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
        /// Report versions as `7v + 3` instead of `v`, for the `.increasing` model.
        var sparseVersions = false
        /// Probability that a client is not told a version it could have been told.
        var hiddenVersionProbability = 0.0
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

    init(seed: UInt64, shape: Shape = Shape()) {
        var random = SimRandom(seed: seed)
        var planned: [(operation: KVOperation, point: UInt64, takesEffect: Bool)] = []
        for client in 0..<shape.clients {
            var time = random.uint64(in: 0...5)
            for _ in 0..<shape.operationsPerClient {
                let invoked = time + random.uint64(in: 1...5)
                let duration = random.uint64(in: 1...20)
                let unknown = random.chance(shape.unknownProbability)
                let point = invoked + random.uint64(in: 0...(unknown ? 3 * duration : duration))
                let operation = KVOperation(
                    id: planned.count, client: client, key: "k\(random.int(in: 0...(shape.keys - 1)))",
                    input: Self.randomInput(client: client, serial: planned.count, random: &random),
                    invokedAt: invoked, outcome: unknown ? .unknown : .returned(.notFound, at: invoked + duration))
                planned.append((operation, point, !unknown || random.chance(0.5)))
                time = invoked + duration
            }
        }
        run(planned.sorted { ($0.point, $0.operation.id) < ($1.point, $1.operation.id) }, shape: shape, random: &random)
        operations.sort { $0.id < $1.id }
    }

    private static func randomInput(client: Int, serial: Int, random: inout SimRandom) -> KV.Input {
        let value = "c\(client).\(serial)"
        switch random.below(10) {
        case 0..<3: return .put(value)
        case 3..<6: return .get
        case 6: return .delete(ifVersion: random.chance(0.5) ? random.uint64(in: 0...6) : nil)
        default: return .compareAndSet(expectedVersion: random.uint64(in: 0...6), value: value)
        }
    }

    /// Applies the operations in linearization order and fills in their outputs.
    private mutating func run(
        _ ordered: [(operation: KVOperation, point: UInt64, takesEffect: Bool)], shape: Shape, random: inout SimRandom
    ) {
        var store: [String: (value: String?, version: UInt64)] = [:]
        for (planned, _, takesEffect) in ordered {
            var operation = planned
            guard takesEffect else {
                operations.append(operation)
                continue
            }
            let before = store[operation.key] ?? (nil, 0)
            let (after, output) = Self.apply(operation.input, to: before)
            store[operation.key] = after
            if case .returned(_, let at) = operation.outcome {
                let shown = Self.present(output, shape: shape, random: &random)
                operation.outcome = .returned(shown, at: at)
                if case .written(let version?) = shown {
                    writes.append(Write(operation: operation.id, key: operation.key, value: after.value, version: version))
                }
            }
            operations.append(operation)
        }
        if shape.sparseVersions {
            for index in operations.indices { operations[index].input = Self.sparse(operations[index].input) }
        }
    }

    /// The input with its `ifVersion` in the sparse numbering (`7v + 3`; 0 still means absent).
    private static func sparse(_ input: KV.Input) -> KV.Input {
        func map(_ version: UInt64?) -> UInt64? { version.map { $0 == 0 ? 0 : 7 * $0 + 3 } }
        switch input {
        case .get: return .get
        case .put(let value, let ifVersion): return .put(value, ifVersion: map(ifVersion))
        case .delete(let ifVersion): return .delete(ifVersion: map(ifVersion))
        }
    }

    private static func apply(
        _ input: KV.Input, to state: (value: String?, version: UInt64)
    ) -> ((value: String?, version: UInt64), KV.Output) {
        func matches(_ ifVersion: UInt64?) -> Bool {
            guard let expected = ifVersion else { return true }
            return expected == 0 ? state.value == nil : (state.value != nil && state.version == expected)
        }
        switch input {
        case .get:
            return (state, state.value.map { .found($0, version: state.version) } ?? .notFound)
        case .put(let value, let ifVersion):
            guard matches(ifVersion) else { return (state, .versionMismatch) }
            return ((value, state.version + 1), .written(version: state.version + 1))
        case .delete(let ifVersion):
            guard matches(ifVersion) else { return (state, .versionMismatch) }
            guard state.value != nil else { return (state, .notFound) }
            return ((nil, state.version + 1), .written(version: state.version + 1))
        }
    }

    /// The output as the client sees it: versions possibly spread out or hidden.
    private static func present(_ output: KV.Output, shape: Shape, random: inout SimRandom) -> KV.Output {
        func show(_ version: UInt64?) -> UInt64? {
            guard let version, !random.chance(shape.hiddenVersionProbability) else { return nil }
            return shape.sparseVersions ? 7 * version + 3 : version
        }
        switch output {
        case .written(let version): return .written(version: show(version))
        case .found(let value, let version): return .found(value, version: show(version))
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
