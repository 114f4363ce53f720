import KeelSimulation

/// Keel's single-key semantics as a sequential specification, for the linearizability
/// checker: put, get, delete, and their conditional (`if_version`) forms.
///
/// Exactly what `ShardReplica` decides (and docs/API.md promises): a key's first write gets
/// version 1 and every later write the previous version plus one; a delete removes the key
/// *with* its version, so a key written again after a delete starts at 1 again;
/// `if_version=0` means "only if absent"; a delete of an absent key answers `not_found`
/// whatever its condition, and a successful delete reports the version it removed.
/// Every state is exact (an absent key is version 0), so the check is exact.
public struct KeelKeyValueModel: LinearizabilityModel {
    public typealias Key = String

    public enum Input: Hashable, Sendable {
        case put(String, ifVersion: UInt64?)
        case get
        case delete(ifVersion: UInt64?)
    }

    public enum Output: Hashable, Sendable {
        /// A put took effect with this version; a delete removed this version.
        case written(version: UInt64)
        case found(String, version: UInt64)
        case notFound
        case versionMismatch
    }

    public struct State: Hashable, Sendable {
        /// nil: the key is absent (and its version is 0).
        public var value: String?
        public var version: UInt64

        public init(value: String?, version: UInt64) {
            self.value = value
            self.version = version
        }
    }

    public init() {}

    public var initialState: State { State(value: nil, version: 0) }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> State? {
        switch input {
        case .get:
            switch output {
            case nil: return state
            case .notFound?: return state.value == nil ? state : nil
            case .found(let value, let version)?: return state.value == value && state.version == version ? state : nil
            case .written?, .versionMismatch?: return nil
            }
        case .put(let value, let ifVersion):
            let holds = ifVersion.map { $0 == state.version } ?? true
            let after = State(value: value, version: state.version + 1)
            return conditionalStep(state, holds: holds, after: after, reported: state.version + 1, output)
        case .delete(let ifVersion):
            guard state.value != nil else {
                return output == nil || output == .notFound ? state : nil
            }
            let holds = ifVersion.map { $0 == state.version } ?? true
            return conditionalStep(state, holds: holds, after: initialState, reported: state.version, output)
        }
    }

    /// A write whose condition `holds` or not: it leaves `after` and reports `reported`.
    private func conditionalStep(_ state: State, holds: Bool, after: State, reported: UInt64, _ output: Output?) -> State? {
        switch output {
        case nil: return holds ? after : state
        case .written(let version)?: return holds && version == reported ? after : nil
        case .versionMismatch?: return holds ? nil : state
        case .found?, .notFound?: return nil
        }
    }

    public func hasNoEffect(_ input: Input) -> Bool { input == .get }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let request: String =
            switch input {
            case .put(let value, let ifVersion): "put(\(value)\(ifVersion.map { ", if_version=\($0)" } ?? ""))"
            case .get: "get"
            case .delete(let ifVersion): "delete(\(ifVersion.map { "if_version=\($0)" } ?? ""))"
            }
        let answer: String =
            switch output {
            case nil: "?"
            case .written(let version)?: "ok v\(version)"
            case .found(let value, let version)?: "\(value) v\(version)"
            case .notFound?: "not_found"
            case .versionMismatch?: "version_mismatch"
            }
        return "\(request) -> \(answer)"
    }
}
