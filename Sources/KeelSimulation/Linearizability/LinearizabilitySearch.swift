/// Wing–Gong search with Lowe's memoization (as in Porcupine) for one key's sub-history.
///
/// Invocations and returns form a doubly linked list in time order. The search walks it
/// from the front: at an invocation it tries to linearize that operation now (the model
/// accepts it and the (linearized set, state) pair is new), lifting the operation out of
/// the list; at a return it must backtrack, because that operation was not linearized
/// before it returned. Operations with an unknown outcome have no return entry, so they may
/// be linearized anywhere after their invocation or not at all. The search succeeds when
/// every operation that returned has been linearized.
///
/// Memoization with subsumption: a configuration is the set of linearized operations
/// and the model state. Two configurations with the same state and the same returned
/// operations linearized differ only in which unknown-outcome operations were used; the
/// one that used fewer of them can do everything the other can (unknown-outcome operations
/// are optional), so a configuration is skipped when one that used a subset of its
/// unknown-outcome operations was seen. Without this, every subset of pending writes is a
/// separate configuration and histories with many timed-out writes explode.
///
/// Order of trying: at each configuration the operations that returned are tried first,
/// and only then the unknown-outcome ones (most of which did not take effect, or did so
/// late), before backtracking. Every candidate is still tried, so the verdict is the same;
/// linearizable histories are just found sooner.
struct LinearizabilitySearch<Model: LinearizabilityModel> {
    enum Result {
        case linearizable
        case notLinearizable
        /// The step or memory budget ran out.
        case unknown
    }

    /// Bounds on one search. A step is one list entry visited or one memoized set compared,
    /// so `maxSteps` bounds the search's time, not only its depth.
    struct Budget {
        var maxSteps: Int
        var maxCachedStates: Int
    }

    private struct CacheKey: Hashable {
        /// Linearized operations that returned.
        var returned: OperationSet
        var state: Model.State
    }

    /// Configurations seen: for each (returned operations, state), the sets of
    /// unknown-outcome operations they were reached with (none a superset of another).
    private struct Cache {
        private var seen: [CacheKey: [OperationSet]] = [:]
        private(set) var count = 0

        /// Records the configuration; `fresh` is false when it (or one that dominates it)
        /// was seen. `work` counts the stored sets compared, so that the caller can charge
        /// them to its step budget: without that, a long list of incomparable sets under
        /// one key would make a single step arbitrarily slow.
        mutating func insert(returned: OperationSet, unknown: OperationSet, state: Model.State) -> (fresh: Bool, work: Int) {
            let key = CacheKey(returned: returned, state: state)
            guard let sets = seen[key] else {
                count += 1
                seen[key] = [unknown]
                return (true, 1)
            }
            if sets.contains(where: { $0.isSubset(of: unknown) }) { return (false, sets.count) }
            let kept = sets.filter { !unknown.isSubset(of: $0) }
            count += 1 + kept.count - sets.count
            seen[key] = kept + [unknown]
            return (true, 2 * sets.count)
        }
    }

    /// A set of operation indices: two inline words, more on the heap only past 128
    /// operations, so memoizing a state usually allocates nothing for the set.
    struct OperationSet: Hashable {
        private var low: UInt64 = 0
        private var high: UInt64 = 0
        private var rest: [UInt64]

        init(capacity: Int) {
            rest = capacity > 128 ? Array(repeating: 0, count: (capacity - 128 + 63) / 64) : []
        }

        mutating func insert(_ index: Int) { toggle(index, on: true) }
        mutating func remove(_ index: Int) { toggle(index, on: false) }

        func isSubset(of other: OperationSet) -> Bool {
            guard low & ~other.low == 0, high & ~other.high == 0 else { return false }
            for (mine, theirs) in zip(rest, other.rest) where mine & ~theirs != 0 { return false }
            return true
        }

        private mutating func toggle(_ index: Int, on: Bool) {
            let bit: UInt64 = 1 << UInt64(index % 64)
            switch index {
            case ..<64: low = on ? low | bit : low & ~bit
            case ..<128: high = on ? high | bit : high & ~bit
            default:
                let word = (index - 128) / 64
                rest[word] = on ? rest[word] | bit : rest[word] & ~bit
            }
        }
    }

    private let model: Model
    private let operations: [LinearizabilityOperation<Model>]
    /// Entry 0 is the head sentinel; entry `1 + 2i` calls operation i, `2 + 2i` returns it.
    private var next: [Int]
    private var prev: [Int]
    private var hasReturn: [Bool]

    init(model: Model, operations: [LinearizabilityOperation<Model>]) {
        self.model = model
        self.operations = operations
        let count = operations.count
        next = Array(repeating: -1, count: 1 + 2 * count)
        prev = Array(repeating: -1, count: 1 + 2 * count)
        hasReturn = operations.map { $0.returnedAt != nil }
        linkInTimeOrder()
    }

    /// Orders events by time; an invocation sorts before a return at the same instant, so
    /// such operations count as concurrent (the permissive reading: never a false alarm).
    private mutating func linkInTimeOrder() {
        var events: [(time: UInt64, isReturn: Bool, entry: Int)] = []
        events.reserveCapacity(2 * operations.count)
        for (index, operation) in operations.enumerated() {
            events.append((operation.invokedAt, false, 1 + 2 * index))
            if let returned = operation.returnedAt { events.append((returned, true, 2 + 2 * index)) }
        }
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isReturn != b.isReturn { return !a.isReturn }
            return a.entry < b.entry
        }
        var last = 0
        for event in events {
            next[last] = event.entry
            prev[event.entry] = last
            last = event.entry
        }
        next[last] = -1
    }

    private static func isCall(_ entry: Int) -> Bool { entry % 2 == 1 }
    private static func operation(of entry: Int) -> Int { (entry - 1) / 2 }

    private mutating func unlink(_ entry: Int) {
        next[prev[entry]] = next[entry]
        if next[entry] >= 0 { prev[next[entry]] = prev[entry] }
    }

    /// Re-inserts `entry` where it was; valid only in reverse order of `unlink`.
    private mutating func relink(_ entry: Int) {
        next[prev[entry]] = entry
        if next[entry] >= 0 { prev[next[entry]] = entry }
    }

    private mutating func lift(_ operation: Int) {
        unlink(1 + 2 * operation)
        if hasReturn[operation] { unlink(2 + 2 * operation) }
    }

    private mutating func unlift(_ operation: Int) {
        if hasReturn[operation] { relink(2 + 2 * operation) }
        relink(1 + 2 * operation)
    }

    /// Runs the search to a verdict or until `budget` is spent; also says how many steps it took.
    mutating func run(budget: Budget) -> (result: Result, steps: Int) {
        var returned = OperationSet(capacity: operations.count)
        var unknown = OperationSet(capacity: operations.count)
        var state = model.initialState
        var stack: [(call: Int, state: Model.State)] = []
        var cache = Cache()
        var unreturned = hasReturn.reduce(0) { $0 + ($1 ? 1 : 0) }
        var entry = next[0]
        // false: trying operations that returned; true: trying unknown-outcome ones.
        var tryingUnknown = false
        var steps = 0
        while unreturned > 0 {
            steps += 1
            if steps > budget.maxSteps || cache.count > budget.maxCachedStates { return (.unknown, steps) }
            if entry >= 0 && Self.isCall(entry) {
                let index = Self.operation(of: entry)
                guard hasReturn[index] != tryingUnknown else {
                    entry = next[entry]
                    continue
                }
                let operation = operations[index]
                if let newState = model.step(state, operation.input, operation.output) {
                    var nextReturned = returned
                    var nextUnknown = unknown
                    if hasReturn[index] { nextReturned.insert(index) } else { nextUnknown.insert(index) }
                    let (fresh, work) = cache.insert(returned: nextReturned, unknown: nextUnknown, state: newState)
                    steps += work
                    if fresh {
                        stack.append((entry, state))
                        state = newState
                        returned = nextReturned
                        unknown = nextUnknown
                        lift(index)
                        if hasReturn[index] { unreturned -= 1 }
                        entry = next[0]
                        tryingUnknown = false
                        continue
                    }
                }
                entry = next[entry]
            } else if !tryingUnknown {
                // No operation that returned fits here: try the unknown-outcome ones.
                tryingUnknown = true
                entry = next[0]
            } else {
                // A return (or the end of the list): the latest choice must be undone.
                guard let top = stack.popLast() else { return (.notLinearizable, steps) }
                let index = Self.operation(of: top.call)
                if hasReturn[index] { returned.remove(index) } else { unknown.remove(index) }
                state = top.state
                unlift(index)
                if hasReturn[index] { unreturned += 1 }
                entry = next[top.call]
                tryingUnknown = !hasReturn[index]
            }
        }
        return (.linearizable, steps)
    }
}
