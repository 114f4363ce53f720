import KeelSimulation

/// The client-visible history of a run: every operation with its invocation and return in
/// simulated real time.
///
/// Each invocation and return also gets a position in one sequence (`order`): events are
/// handled in real-time order, so the sequence is the real-time order with ties at one
/// instant broken the way they actually happened. The checker is given the sequence.
/// Operations that timed out or failed with "maybe applied" stay in the history with an
/// unknown outcome; operations known not to have taken effect are discarded.
public struct OperationHistory: Sendable, Equatable {
    public typealias Model = SimKV

    public enum Outcome: Sendable, Hashable {
        case pending
        case returned(Model.Output, at: SimInstant, order: UInt64)
        /// The client never learned whether it took effect (`reason`: timeout, maybe_applied).
        case unknown(reason: String)
        /// Known not to have taken effect (refused before it reached a primary).
        case discarded
    }

    public struct Record: Sendable, Equatable {
        public var id: Int
        public var client: Int
        public var key: String
        public var input: Model.Input
        public var invokedAt: SimInstant
        var invokedOrder: UInt64
        public var outcome: Outcome
    }

    /// The client number of the reads the final checks add; real clients are 1, 2, …
    public static let finalReader = 0

    public private(set) var records: [Record] = []
    private var order: UInt64 = 0

    public init() {}

    mutating func invoke(client: Int, key: String, input: Model.Input, at time: SimInstant) -> Int {
        order += 1
        records.append(Record(id: records.count, client: client, key: key, input: input, invokedAt: time, invokedOrder: order, outcome: .pending))
        return records.count - 1
    }

    mutating func complete(_ id: Int, _ output: Model.Output, at time: SimInstant) {
        guard case .pending = records[id].outcome else { return }
        order += 1
        records[id].outcome = .returned(output, at: time, order: order)
    }

    mutating func abandon(_ id: Int, reason: String) {
        guard case .pending = records[id].outcome else { return }
        records[id].outcome = .unknown(reason: reason)
    }

    mutating func discard(_ id: Int) {
        guard case .pending = records[id].outcome else { return }
        records[id].outcome = .discarded
    }

    /// What the linearizability checker takes: discarded operations left out, pending and
    /// abandoned ones with an unknown outcome.
    public var checkerOperations: [LinearizabilityOperation<Model>] {
        records.compactMap { record in
            let outcome: LinearizabilityOperation<Model>.Outcome
            switch record.outcome {
            case .discarded: return nil
            case .pending, .unknown: outcome = .unknown
            case .returned(let output, _, let order): outcome = .returned(output, at: order)
            }
            return LinearizabilityOperation(
                id: record.id, client: record.client, key: record.key, input: record.input, invokedAt: record.invokedOrder,
                outcome: outcome)
        }
    }

    /// Counts by outcome, for reports.
    public var acknowledgedCount: Int { records.count { if case .returned = $0.outcome { true } else { false } } }
    public var unknownCount: Int { records.count { if case .unknown = $0.outcome { true } else { false } } }
}
