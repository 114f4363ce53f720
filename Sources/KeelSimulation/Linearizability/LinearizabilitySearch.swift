/// Wing–Gong search with Lowe's memoization (as in Porcupine) for one key's sub-history.
///
/// Invocations and returns form a doubly linked list in time order. The search walks it
/// from the front: at an invocation it tries to linearize that operation now (the model
/// accepts it and the (linearized set, state) pair is new), lifting the operation out of
/// the list; at a return it must backtrack, because that operation was not linearized
/// before it returned. Operations with an unknown outcome have no return entry, so they may
/// be linearized anywhere after their invocation or not at all. The search succeeds when
/// every operation that returned has been linearized.
struct LinearizabilitySearch<Model: LinearizabilityModel> {
    enum Result {
        case linearizable
        case notLinearizable
        /// The step or memory budget ran out.
        case unknown
    }

    /// Bounds on one search.
    struct Budget {
        var maxSteps: Int
        var maxCachedStates: Int
    }

    private struct CacheKey: Hashable {
        var linearized: [UInt64]
        var state: Model.State
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

    /// Runs the search to a verdict or until `budget` is spent.
    mutating func run(budget: Budget) -> Result {
        var linearized = [UInt64](repeating: 0, count: (operations.count + 63) / 64)
        var state = model.initialState
        var stack: [(call: Int, state: Model.State)] = []
        var cache = Set<CacheKey>()
        var unreturned = hasReturn.reduce(0) { $0 + ($1 ? 1 : 0) }
        var entry = next[0]
        var steps = 0
        while unreturned > 0 {
            steps += 1
            if steps > budget.maxSteps || cache.count > budget.maxCachedStates { return .unknown }
            if entry >= 0 && Self.isCall(entry) {
                let index = Self.operation(of: entry)
                let operation = operations[index]
                if let newState = model.step(state, operation.input, operation.output) {
                    linearized[index / 64] |= 1 << UInt64(index % 64)
                    if cache.insert(CacheKey(linearized: linearized, state: newState)).inserted {
                        stack.append((entry, state))
                        state = newState
                        lift(index)
                        if hasReturn[index] { unreturned -= 1 }
                        entry = next[0]
                        continue
                    }
                    linearized[index / 64] &= ~(1 << UInt64(index % 64))
                }
                entry = next[entry]
            } else {
                // A return (or the end of the list): the latest choice must be undone.
                guard let top = stack.popLast() else { return .notLinearizable }
                let index = Self.operation(of: top.call)
                linearized[index / 64] &= ~(1 << UInt64(index % 64))
                state = top.state
                unlift(index)
                if hasReturn[index] { unreturned += 1 }
                entry = next[top.call]
            }
        }
        return .linearizable
    }
}
