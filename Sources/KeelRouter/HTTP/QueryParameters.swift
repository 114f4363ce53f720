import KeelTypes

/// A URL query string decoded strictly: `name=value` pairs separated by `&`, each side
/// percent-decoded by `PercentDecoding`. A malformed escape is a 400, never a guess.
struct QueryParameters {
    private var values: [String: [UInt8]] = [:]

    init(_ query: String?) throws(KeelError) {
        guard let query, !query.isEmpty else { return }
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name: [UInt8]
            let value: [UInt8]
            do {
                name = try PercentDecoding.decode(parts[0])
                value = parts.count > 1 ? try PercentDecoding.decode(parts[1]) : []
            } catch {
                throw KeelError(.invalidRequest, "invalid percent-encoding in the query string")
            }
            values[String(decoding: name, as: UTF8.self)] = value
        }
    }

    /// The raw bytes of a parameter, if present.
    func bytes(_ name: String) -> [UInt8]? { values[name] }

    /// A parameter as text, if present.
    func string(_ name: String) -> String? { values[name].map { String(decoding: $0, as: UTF8.self) } }

    /// A non-negative integer parameter within `range`, or a 400 naming the parameter.
    func integer(_ name: String, in range: ClosedRange<UInt64>) throws(KeelError) -> UInt64? {
        guard let text = string(name) else { return nil }
        guard let number = UInt64(text), range.contains(number) else {
            throw KeelError(.invalidRequest, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The `if_version` precondition of a write.
    func writeCondition() throws(KeelError) -> WriteCondition {
        guard let version = try integer("if_version", in: 0...UInt64.max) else { return .none }
        return .ifVersion(KeyVersion(version))
    }

    /// The `consistency` of a read: `linearizable` (default) or `stale`.
    func consistency() throws(KeelError) -> ReadConsistency {
        guard let text = string("consistency") else { return .linearizable }
        guard let consistency = ReadConsistency(rawValue: text) else {
            throw KeelError(.invalidRequest, "consistency must be linearizable or stale")
        }
        return consistency
    }
}
