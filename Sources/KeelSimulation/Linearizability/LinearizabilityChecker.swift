/// Checks whether a recorded history of single-key operations is linearizable against a
/// `LinearizabilityModel`, one key at a time (P-compositionality).
///
/// The search is bounded: each key gets at most `Limits.maxStepsPerKey` search steps and
/// `Limits.maxCachedStatesPerKey` memoized states; a key that exceeds them makes the
/// result `.unknown` (never a guess). A violation names the key and a small set of that
/// key's operations that together have no linearization (see `LinearizabilityViolation`).
public struct LinearizabilityChecker<Model: LinearizabilityModel>: Sendable {
    /// Bounds on checking effort.
    public struct Limits: Sendable {
        /// Search steps (list entries visited) allowed per key.
        public var maxStepsPerKey: Int
        /// Memoized (linearized set, state) pairs allowed per key (the memory bound).
        public var maxCachedStatesPerKey: Int
        /// A violating key with more operations than this is reported without shrinking.
        public var maxOperationsToExplain: Int

        public init(maxStepsPerKey: Int = 2_000_000, maxCachedStatesPerKey: Int = 500_000, maxOperationsToExplain: Int = 2_000) {
            self.maxStepsPerKey = maxStepsPerKey
            self.maxCachedStatesPerKey = maxCachedStatesPerKey
            self.maxOperationsToExplain = maxOperationsToExplain
        }
    }

    public typealias Operation = LinearizabilityOperation<Model>

    public let model: Model
    public let limits: Limits

    public init(model: Model, limits: Limits = Limits()) {
        self.model = model
        self.limits = limits
    }

    /// Checks every key of `history`, in key order; the first violating key is reported.
    public func check(_ history: [Operation]) -> LinearizabilityResult<Model> {
        var undecided: [Model.Key] = []
        for (key, operations) in partitionByKey(history) {
            switch search(operations) {
            case .linearizable: continue
            case .unknown: undecided.append(key)
            case .notLinearizable: return .notLinearizable(explain(key: key, operations))
            }
        }
        return undecided.isEmpty ? .linearizable : .unknown(keys: undecided)
    }

    /// The operations of each key, keys in ascending order (so reports are deterministic).
    /// Unknown-outcome operations that cannot change the state constrain nothing and are dropped.
    func partitionByKey(_ history: [Operation]) -> [(key: Model.Key, operations: [Operation])] {
        var byKey: [Model.Key: [Operation]] = [:]
        for operation in history where operation.returnedAt != nil || !model.hasNoEffect(operation.input) {
            byKey[operation.key, default: []].append(operation)
        }
        return byKey.keys.sorted().map { ($0, byKey[$0]!) }
    }

    func search(_ operations: [Operation]) -> LinearizabilitySearch<Model>.Result {
        var search = LinearizabilitySearch(model: model, operations: operations)
        return search.run(budget: .init(maxSteps: limits.maxStepsPerKey, maxCachedStates: limits.maxCachedStatesPerKey))
    }

    /// Shrinks a violating key's history to a core of operations that still has no
    /// linearization. Going from the latest invocation backwards, each operation is relaxed
    /// to "outcome unknown"; if the history is still not linearizable the operation is not
    /// needed and is removed (removing an unknown-outcome operation never makes a history
    /// linearizable). Operations with an unknown outcome are removed outright for the same
    /// reason. What remains is a set whose observed results contradict each other.
    func explain(key: Model.Key, _ operations: [Operation]) -> LinearizabilityViolation<Model> {
        guard operations.count <= limits.maxOperationsToExplain else {
            return LinearizabilityViolation(model: model, key: key, operations: operations, operationsOnKey: operations.count, shrunk: false)
        }
        var core = operations.filter { $0.returnedAt != nil }
        for candidate in operations.sorted(by: { $0.invokedAt > $1.invokedAt }) where candidate.returnedAt != nil {
            guard let position = core.firstIndex(where: { $0.id == candidate.id }) else { continue }
            var relaxed = core
            if model.hasNoEffect(candidate.input) {
                relaxed.remove(at: position)
            } else {
                relaxed[position].outcome = .unknown
            }
            if case .notLinearizable = search(relaxed) { core.remove(at: position) }
        }
        return LinearizabilityViolation(model: model, key: key, operations: core, operationsOnKey: operations.count, shrunk: true)
    }
}

/// The verdict on a history.
public enum LinearizabilityResult<Model: LinearizabilityModel>: Sendable {
    case linearizable
    /// The first key (in key order) whose history has no linearization.
    case notLinearizable(LinearizabilityViolation<Model>)
    /// No violation found, but the search budget ran out on these keys.
    case unknown(keys: [Model.Key])

    public var isLinearizable: Bool {
        if case .linearizable = self { return true }
        return false
    }

    /// The violation, when there is one.
    public var violation: LinearizabilityViolation<Model>? {
        if case .notLinearizable(let violation) = self { return violation }
        return nil
    }
}

/// A key whose history is not linearizable, with the operations that show it.
///
/// `operations` (in invocation order) have no linearization on their own: their observed
/// outputs contradict each other under the model, whatever the order allowed by their
/// real-time intervals. When `shrunk` is false the history was too long to shrink and all
/// the key's operations are listed.
public struct LinearizabilityViolation<Model: LinearizabilityModel>: Sendable, CustomStringConvertible {
    public let model: Model
    public let key: Model.Key
    public let operations: [LinearizabilityOperation<Model>]
    /// How many operations the key's history held before shrinking.
    public let operationsOnKey: Int
    public let shrunk: Bool

    init(model: Model, key: Model.Key, operations: [LinearizabilityOperation<Model>], operationsOnKey: Int, shrunk: Bool) {
        self.model = model
        self.key = key
        self.operations = operations.sorted { $0.invokedAt < $1.invokedAt }
        self.operationsOnKey = operationsOnKey
        self.shrunk = shrunk
    }

    public var description: String {
        let header = shrunk
            ? "key \(key) is not linearizable: these \(operations.count) of its \(operationsOnKey) operations have no linearization:"
            : "key \(key) is not linearizable (\(operationsOnKey) operations, too many to shrink):"
        let lines = operations.map { operation in
            let interval = "[\(operation.invokedAt), \(operation.returnedAt.map(String.init) ?? "∞"))"
            return "  #\(operation.id) client \(operation.client) \(interval) \(model.describe(operation.input, operation.output))"
        }
        return ([header] + lines).joined(separator: "\n")
    }
}
