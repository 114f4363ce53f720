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
        /// Search steps allowed, in all, for shrinking a violation to its explanation; when
        /// they run out the explanation is left larger, never wrong.
        public var maxStepsToExplain: Int

        public init(maxStepsPerKey: Int = 2_000_000, maxCachedStatesPerKey: Int = 500_000, maxStepsToExplain: Int = 400_000) {
            self.maxStepsPerKey = maxStepsPerKey
            self.maxCachedStatesPerKey = maxCachedStatesPerKey
            self.maxStepsToExplain = maxStepsToExplain
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
            switch search(operations).result {
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
        for operation in history where operation.output != nil || !model.hasNoEffect(operation.input) {
            byKey[operation.key, default: []].append(operation)
        }
        return byKey.keys.sorted().map { ($0, byKey[$0]!) }
    }

    func search(_ operations: [Operation], maxSteps: Int? = nil) -> (result: LinearizabilitySearch<Model>.Result, steps: Int) {
        var search = LinearizabilitySearch(model: model, operations: operations)
        let steps = min(maxSteps ?? .max, limits.maxStepsPerKey)
        return search.run(budget: .init(maxSteps: steps, maxCachedStates: limits.maxCachedStatesPerKey))
    }

    /// Finds what broke a violating key's history, cheaply and exactly:
    ///
    /// 1. The culprit. The history as it stood at time T (later invocations dropped,
    ///    operations still pending at T counted as unknown-outcome) stays non-linearizable
    ///    for every T after some first T₀, because linearizability is prefix-closed. A binary
    ///    search finds T₀; the operation that returned at T₀ is the first whose result could
    ///    not be explained.
    /// 2. The conflicting results. In the history as of T₀, each completed operation's
    ///    result is in turn ignored (the operation still takes effect within its interval;
    ///    a read is dropped). If the history stays non-linearizable, that result was not
    ///    needed. Ignoring results only admits more linearizations, so the results that
    ///    remain contradict each other in the original history.
    /// 3. The context: the writes the culprit could have observed (those concurrent with it
    ///    and the last few that finished before it began), for the reader of the report.
    func explain(key: Model.Key, _ operations: [Operation]) -> LinearizabilityViolation<Model> {
        var budget = ExplanationBudget(remainingSteps: limits.maxStepsToExplain)
        let brokenAt = firstViolation(operations, budget: &budget)
        let culprits = operations.filter { $0.returnedAt == brokenAt && $0.output != nil }
        var history = historyAsOf(brokenAt, operations)
        // Reads first (dropping them makes later searches smaller), then writes, latest first.
        let candidates = history.filter { $0.output != nil }.sorted { a, b in
            let aRead = model.hasNoEffect(a.input)
            let bRead = model.hasNoEffect(b.input)
            return aRead != bRead ? aRead : a.invokedAt > b.invokedAt
        }
        for candidate in candidates where budget.remainingSteps > 0 {
            guard let position = history.firstIndex(where: { $0.id == candidate.id }) else { continue }
            var relaxed = history
            if model.hasNoEffect(candidate.input) {
                relaxed.remove(at: position)
            } else {
                relaxed[position].outcome = .endedWithoutResult(at: candidate.returnedAt!)
            }
            if budget.search(relaxed, with: self) == .notLinearizable { history = relaxed }
        }
        return LinearizabilityViolation(
            model: model, key: key, culprits: culprits, conflicting: history.filter { $0.output != nil },
            context: context(of: culprits, in: operations), operationsOnKey: operations.count)
    }

    /// Writes the culprits could have observed: concurrent with one of them, or among the
    /// last three to finish before the earliest culprit began.
    func context(of culprits: [Operation], in operations: [Operation]) -> [Operation] {
        guard let begin = culprits.map(\.invokedAt).min(), let end = culprits.compactMap(\.returnedAt).max() else { return [] }
        let writes = operations.filter { !model.hasNoEffect($0.input) && !culprits.map(\.id).contains($0.id) }
        let concurrent = writes.filter { $0.invokedAt <= end && ($0.returnedAt ?? .max) >= begin }
        let before = writes.filter { ($0.returnedAt ?? .max) < begin }.sorted { $0.returnedAt! > $1.returnedAt! }.prefix(3)
        return concurrent + before
    }

    /// Search steps left for shrinking one violation.
    struct ExplanationBudget {
        var remainingSteps: Int

        /// A bounded search that charges its steps to this budget (`.unknown` once it is spent).
        mutating func search(_ operations: [Operation], with checker: LinearizabilityChecker) -> LinearizabilitySearch<Model>.Result {
            guard remainingSteps > 0 else { return .unknown }
            let (result, steps) = checker.search(operations, maxSteps: remainingSteps)
            remainingSteps -= steps
            return result
        }
    }

    /// The earliest return time at which the history up to then is not linearizable (the
    /// last return time when the budget runs out first, which is still a valid cut).
    func firstViolation(_ operations: [Operation], budget: inout ExplanationBudget) -> UInt64 {
        let returnTimes = Array(Set(operations.compactMap(\.returnedAt))).sorted()
        var low = 0
        var high = returnTimes.count - 1  // known to violate: the whole history does
        while low < high {
            let middle = (low + high) / 2
            switch budget.search(historyAsOf(returnTimes[middle], operations), with: self) {
            case .notLinearizable: high = middle
            case .linearizable: low = middle + 1
            case .unknown: return returnTimes[high]
            }
        }
        return returnTimes[high]
    }

    /// The history as observed at `time`: operations invoked by then, those that had not
    /// returned by then with an unknown outcome (reads among them dropped).
    func historyAsOf(_ time: UInt64, _ operations: [Operation]) -> [Operation] {
        operations.compactMap { operation in
            guard operation.invokedAt <= time else { return nil }
            if let returned = operation.returnedAt, returned <= time { return operation }
            if model.hasNoEffect(operation.input) { return nil }
            var pending = operation
            pending.outcome = .unknown
            return pending
        }
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

/// A key whose history is not linearizable, and why.
///
/// * `culprits`: the operation(s) whose return first made the key's history impossible to
///   linearize (usually one; several only when they returned at the same instant).
/// * `conflicting`: completed operations whose observed results cannot all hold, whatever
///   order their intervals allow, even if every other operation's result is ignored (each
///   still taking effect within its interval). Shrinking has a step budget, so this set is
///   small but not always minimal.
/// * `context`: writes the culprits could have observed, to read the report by.
public struct LinearizabilityViolation<Model: LinearizabilityModel>: Sendable, CustomStringConvertible {
    public let model: Model
    public let key: Model.Key
    public let culprits: [LinearizabilityOperation<Model>]
    public let conflicting: [LinearizabilityOperation<Model>]
    public let context: [LinearizabilityOperation<Model>]
    /// How many operations the key's history held.
    public let operationsOnKey: Int

    init(
        model: Model, key: Model.Key, culprits: [LinearizabilityOperation<Model>],
        conflicting: [LinearizabilityOperation<Model>], context: [LinearizabilityOperation<Model>], operationsOnKey: Int
    ) {
        self.model = model
        self.key = key
        self.culprits = culprits
        self.conflicting = conflicting.sorted { $0.invokedAt < $1.invokedAt }
        self.context = context.sorted { $0.invokedAt < $1.invokedAt }
        self.operationsOnKey = operationsOnKey
    }

    public var description: String {
        var lines = ["key \(key) is not linearizable (\(operationsOnKey) operations on it). First unexplainable result:"]
        lines += culprits.map(render)
        lines.append("results that cannot all hold (other operations taking effect within their intervals):")
        lines += conflicting.map(render)
        if !context.isEmpty {
            lines.append("writes it could have observed:")
            lines += context.map(render)
        }
        return lines.joined(separator: "\n")
    }

    private func render(_ operation: LinearizabilityOperation<Model>) -> String {
        let interval = "[\(operation.invokedAt), \(operation.returnedAt.map(String.init) ?? "∞")]"
        return "  #\(operation.id) client \(operation.client) \(interval) \(model.describe(operation.input, operation.output))"
    }
}
