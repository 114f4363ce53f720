import KeelSimulation

/// "No acknowledged write is lost", checked directly on the final state, independently of
/// the linearizability checker.
///
/// The final value of a key must have been written by a write that no acknowledged write
/// follows in real time (that is, one that could be the last): an acknowledged write
/// whose return no acknowledged write on the key was invoked after, or a write whose
/// outcome is unknown. Values are unique per put, so the value names its write. Keys
/// with no acknowledged write are not checked here.
enum AcknowledgedWritesCheck {
    typealias Record = OperationHistory.Record

    static func check(key: String, final: SimKV.Output, history: OperationHistory, at time: SimInstant) -> Violation? {
        let writes = history.records.filter { $0.key == key && $0.input != .get && $0.client != OperationHistory.finalReader }
        let acknowledged = writes.filter { isAcknowledgedWrite($0) }
        guard let latestStart = acknowledged.map(\.invokedOrder).max() else { return nil }
        let couldBeLast = writes.filter { write in
            switch write.outcome {
            case .pending, .unknown: true
            case .returned(.written, _, let order): order > latestStart || write.invokedOrder == latestStart
            case .returned, .discarded: false
            }
        }
        let explained = couldBeLast.contains { write in
            switch (write.input, final) {
            case (.put(let value, _), .found(let found, _)): value == found
            case (.delete, .notFound): true
            default: false
            }
        }
        guard !explained else { return nil }
        let last = acknowledged.max { returnOrder($0) < returnOrder($1) }!
        let model = SimKV()
        return Violation(
            .acknowledgedWriteLost, at: time, key: key,
            "key \(key): the final primary holds \(model.describe(.get, final)), which no write that could be the last wrote; "
                + "the last acknowledged write was #\(last.id) by client \(last.client) at \(last.invokedAt): "
                + model.describe(last.input, output(last)))
    }

    private static func isAcknowledgedWrite(_ record: Record) -> Bool {
        if case .returned(.written, _, _) = record.outcome { return true }
        return false
    }

    private static func returnOrder(_ record: Record) -> UInt64 {
        if case .returned(_, _, let order) = record.outcome { return order }
        return .max
    }

    private static func output(_ record: Record) -> SimKV.Output? {
        if case .returned(let output, _, _) = record.outcome { return output }
        return nil
    }
}
