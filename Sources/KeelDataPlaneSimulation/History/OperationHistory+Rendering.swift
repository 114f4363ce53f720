import KeelSimulation

extension OperationHistory {
    /// The operations on `key`, one line each in invocation order, with real times.
    public func render(key: String) -> [String] {
        let model = SimKV()
        return records.filter { $0.key == key }.map { record in
            let who = record.client == OperationHistory.finalReader ? "final read" : "client \(record.client)"
            let result: String
            switch record.outcome {
            case .pending: result = model.describe(record.input, nil) + " (pending)"
            case .unknown(let reason): result = model.describe(record.input, nil) + " (\(reason))"
            case .discarded: result = model.describe(record.input, nil) + " (not applied)"
            case .returned(let output, let at, _): result = model.describe(record.input, output) + " at \(at)"
            }
            return "#\(record.id) \(who) from \(record.invokedAt): \(result)"
        }
    }
}
