/// One client operation in a recorded history: what was asked, on which key, when it was
/// invoked, and how (or whether) it returned.
///
/// Times are any totally ordered instants (simulated nanoseconds, or the logical sequence
/// numbers `HistoryRecorder` assigns). An operation whose outcome is `.unknown` (the client
/// crashed or gave up waiting) may or may not have taken effect, at any point after its
/// invocation: the checker treats it as returning at infinity with an unknown output.
public struct LinearizabilityOperation<Model: LinearizabilityModel>: Sendable {
    /// How an operation ended, as far as the client knows.
    public enum Outcome: Sendable {
        /// The client received `output` at time `at`.
        case returned(Model.Output, at: UInt64)
        /// The client never learned the result: it may have taken effect, now or later.
        case unknown
    }

    /// Identifies the operation in reports (its position in the recorded history).
    public var id: Int
    /// The client that issued it (informational; clients need not be sequential).
    public var client: Int
    public var key: Model.Key
    public var input: Model.Input
    public var invokedAt: UInt64
    public var outcome: Outcome

    public init(
        id: Int, client: Int, key: Model.Key, input: Model.Input, invokedAt: UInt64, outcome: Outcome
    ) {
        self.id = id
        self.client = client
        self.key = key
        self.input = input
        self.invokedAt = invokedAt
        self.outcome = outcome
    }

    /// The observed output, or nil when the outcome is unknown.
    public var output: Model.Output? {
        if case .returned(let output, _) = outcome { return output }
        return nil
    }

    /// When the client received the result, or nil when the outcome is unknown.
    public var returnedAt: UInt64? {
        if case .returned(_, let at) = outcome { return at }
        return nil
    }
}

/// Records a history as it happens, assigning each invocation and return a logical time
/// from one counter, so the real-time order of events is captured exactly.
///
/// Usage: `let op = recorder.invoke(client:key:input:)` when a client sends a request;
/// `recorder.complete(op, output)` when it receives the answer; `recorder.abandon(op)` when
/// it gives up without knowing (timeout, crash); `recorder.discard(op)` when it knows the
/// operation did not take effect (rejected before it reached a replica). Operations still
/// pending when `history` is read count as abandoned.
public struct HistoryRecorder<Model: LinearizabilityModel>: Sendable {
    /// Handle of an invoked operation.
    public struct Handle: Hashable, Sendable {
        public let index: Int
    }

    private var operations: [LinearizabilityOperation<Model>?] = []
    private var clock: UInt64 = 0

    public init() {}

    /// Records an invocation now.
    public mutating func invoke(client: Int, key: Model.Key, input: Model.Input) -> Handle {
        clock += 1
        operations.append(
            LinearizabilityOperation(
                id: operations.count, client: client, key: key, input: input, invokedAt: clock, outcome: .unknown))
        return Handle(index: operations.count - 1)
    }

    /// Records that the client received `output` now.
    public mutating func complete(_ handle: Handle, _ output: Model.Output) {
        guard var operation = operations[handle.index], case .unknown = operation.outcome else { return }
        clock += 1
        operation.outcome = .returned(output, at: clock)
        operations[handle.index] = operation
    }

    /// Records that the client will never learn the result (the operation may take effect).
    public mutating func abandon(_ handle: Handle) {}

    /// Removes an operation the client knows did not take effect.
    public mutating func discard(_ handle: Handle) {
        operations[handle.index] = nil
    }

    /// Number of operations recorded and not discarded.
    public var count: Int { operations.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// The history so far; pending operations appear with an unknown outcome.
    public var history: [LinearizabilityOperation<Model>] { operations.compactMap { $0 } }
}
