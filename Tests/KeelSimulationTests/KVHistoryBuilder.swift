import KeelSimulation

/// The model most tests check against: string keys and values, per-key counter versions.
typealias KV = KeyValueModel<String, String>
typealias KVOperation = LinearizabilityOperation<KV>

/// Builds hand-made histories with explicit invocation and return times.
struct KVHistoryBuilder {
    private(set) var operations: [KVOperation] = []

    /// Adds an operation that returned `output` during `[invoked, returned]`.
    mutating func add(
        client: Int = 0, key: String = "k", _ input: KV.Input, _ output: KV.Output, _ invoked: UInt64, _ returned: UInt64
    ) {
        operations.append(
            KVOperation(
                id: operations.count, client: client, key: key, input: input, invokedAt: invoked,
                outcome: .returned(output, at: returned)))
    }

    /// Adds an operation invoked at `invoked` whose outcome the client never learned.
    mutating func addUnknown(client: Int = 0, key: String = "k", _ input: KV.Input, _ invoked: UInt64) {
        operations.append(
            KVOperation(id: operations.count, client: client, key: key, input: input, invokedAt: invoked, outcome: .unknown))
    }

    func check(_ model: KV = KV(), limits: LinearizabilityChecker<KV>.Limits = .init()) -> LinearizabilityResult<KV> {
        LinearizabilityChecker(model: model, limits: limits).check(operations)
    }
}
