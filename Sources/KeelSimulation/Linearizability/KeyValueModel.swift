/// The model every Keel simulation checks against: string keys and values, Keel's per-key
/// versions (the Raft simulation's clients and the data-plane simulation's alike).
public typealias SimKV = KeyValueModel<String, String>

/// The sequential specification of Keel's single-key operations: put, get, delete and
/// compare-and-set (a put or delete with `ifVersion`), with a version per key.
///
/// `ifVersion: 0` means "only if the key is absent". Two versioning rules:
/// * `.perKeyCounter`, Keel's API (docs/API.md): a key's first write has version 1, each
///   later write adds 1; a delete reports the version it removed, and a key written again
///   after a delete starts at 1; a delete of an absent key answers `notFound` whatever its
///   condition. Every state is exact, so the check is exact.
/// * `.increasing`: every write, deletes included, returns a version greater than any
///   before it on the key (a log sequence number). A write whose result is unknown leaves
///   the version known only as a lower bound; a later read pins it. When an unknown-outcome
///   conditional write meets an unknown version the model forgets the value too. These
///   approximations can only accept more histories, never reject a linearizable one.
public struct KeyValueModel<Key: Hashable & Comparable & Sendable, Value: Hashable & Sendable>: LinearizabilityModel {
    /// A request on one key.
    public enum Input: Hashable, Sendable {
        /// Writes `value`; with `ifVersion`, only when the key's version is `ifVersion`
        /// (0: only when the key is absent).
        case put(Value, ifVersion: UInt64? = nil)
        case get
        /// Removes the key; with `ifVersion`, only when the key's version is `ifVersion`.
        case delete(ifVersion: UInt64? = nil)

        /// Compare-and-set: a conditional put.
        public static func compareAndSet(expectedVersion: UInt64, value: Value) -> Input {
            .put(value, ifVersion: expectedVersion)
        }
    }

    /// An answer as the client saw it. A nil version means the client was not told it.
    public enum Output: Hashable, Sendable {
        /// A put or delete took effect and produced `version`.
        case written(version: UInt64?)
        /// A get found `value` at `version`.
        case found(Value, version: UInt64?)
        /// A get or delete found no key.
        case notFound
        /// A conditional put or delete did not match the key's version.
        case versionMismatch
    }

    /// How versions advance; see the type's documentation.
    public enum Versioning: Sendable {
        case perKeyCounter
        case increasing
    }

    /// What the model knows about one key.
    public struct State: Hashable, Sendable {
        /// The value (nil: absent); meaningful only when `valueKnown`.
        var value: Value?
        var valueKnown: Bool
        /// The version of the last write; when `versionExact` is false the real version is
        /// strictly greater than this.
        var version: UInt64
        var versionExact: Bool
    }

    public let versioning: Versioning

    public init(versioning: Versioning = .perKeyCounter) {
        self.versioning = versioning
    }

    public var initialState: State { State(value: nil, valueKnown: true, version: 0, versionExact: true) }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> State? {
        switch input {
        case .get: return stepGet(state, output)
        case .put(let value, let ifVersion): return stepWrite(state, newValue: value, ifVersion: ifVersion, output)
        case .delete(let ifVersion): return stepWrite(state, newValue: nil, ifVersion: ifVersion, output)
        }
    }

    public func hasNoEffect(_ input: Input) -> Bool {
        if case .get = input { return true }
        return false
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let request: String
        switch input {
        case .get: request = "get"
        case .put(let value, let ifVersion): request = "put(\(value)\(Self.render(ifVersion: ifVersion)))"
        case .delete(let ifVersion): request = "delete(\(Self.render(ifVersion: ifVersion)))"
        }
        guard let output else { return request + " -> ?" }
        switch output {
        case .written(let version): return request + " -> ok\(Self.render(version: version))"
        case .found(let value, let version): return request + " -> \(value)\(Self.render(version: version))"
        case .notFound: return request + " -> not_found"
        case .versionMismatch: return request + " -> version_mismatch"
        }
    }

    private static func render(ifVersion: UInt64?) -> String { ifVersion.map { ", if_version=\($0)" } ?? "" }
    private static func render(version: UInt64?) -> String { version.map { "@v\($0)" } ?? "" }
}

extension KeyValueModel {
    /// Three-valued truth, for conditions the model cannot always decide.
    enum Truth { case yes, no, unknown }

    /// Whether the key may be / must be absent.
    func absent(_ state: State) -> Truth {
        guard state.valueKnown else { return .unknown }
        return state.value == nil ? .yes : .no
    }

    /// Whether an `ifVersion` condition holds in `state` (`.yes` when there is none).
    func condition(_ ifVersion: UInt64?, in state: State) -> Truth {
        guard let expected = ifVersion else { return .yes }
        if expected == 0 { return absent(state) }
        if absent(state) == .yes { return .no }
        if state.versionExact && state.version != expected { return .no }
        if !state.versionExact && expected <= state.version { return .no }
        return state.valueKnown && state.versionExact ? .yes : .unknown
    }

    /// The version a successful write reports under `.perKeyCounter`: the next one for a
    /// put, the removed one for a delete.
    func counterVersion(ofWrite newValue: Value?, after state: State) -> UInt64 {
        newValue == nil ? state.version : state.version + 1
    }

    /// Whether a write may have produced `version` from `state` (nil: not reported).
    func acceptsWrittenVersion(_ version: UInt64?, of newValue: Value?, after state: State) -> Bool {
        guard let version else { return true }
        switch versioning {
        case .perKeyCounter: return state.versionExact && version == counterVersion(ofWrite: newValue, after: state)
        case .increasing: return version > state.version
        }
    }

    /// The state after a write of `newValue` (nil: a delete) that reported `version` (nil:
    /// not reported).
    func written(_ newValue: Value?, version: UInt64?, after state: State) -> State {
        switch versioning {
        case .perKeyCounter:
            // An absent key has version 0: the next create starts at 1.
            let next = newValue == nil ? 0 : state.version + 1
            return State(value: newValue, valueKnown: true, version: next, versionExact: true)
        case .increasing:
            guard let version else { return State(value: newValue, valueKnown: true, version: state.version, versionExact: false) }
            return State(value: newValue, valueKnown: true, version: version, versionExact: true)
        }
    }

    func stepGet(_ state: State, _ output: Output?) -> State? {
        switch output {
        case nil: return state
        case .notFound?:
            guard absent(state) != .no else { return nil }
            return State(value: nil, valueKnown: true, version: state.version, versionExact: state.versionExact)
        case .found(let value, let version)?:
            guard absent(state) != .yes, !state.valueKnown || state.value == value else { return nil }
            guard let version else {
                return State(value: value, valueKnown: true, version: state.version, versionExact: state.versionExact)
            }
            let versionFits = state.versionExact ? version == state.version : version > state.version
            return versionFits ? State(value: value, valueKnown: true, version: version, versionExact: true) : nil
        case .written?, .versionMismatch?:
            return nil
        }
    }

    /// A put (`newValue` non-nil) or a delete (`newValue` nil), conditional or not.
    func stepWrite(_ state: State, newValue: Value?, ifVersion: UInt64?, _ output: Output?) -> State? {
        let isDelete = newValue == nil
        let holds = condition(ifVersion, in: state)
        // A delete also needs the key to be present.
        let applies = isDelete ? Self.and(holds, Self.not(absent(state))) : holds
        switch output {
        case nil:
            switch applies {
            case .yes: return written(newValue, version: nil, after: state)
            case .no: return state
            case .unknown: return State(value: nil, valueKnown: false, version: state.version, versionExact: false)
            }
        case .written(let version)?:
            guard applies != .no else { return nil }
            // A condition that held pins the version it compared against.
            let before = pinned(state, by: ifVersion)
            guard acceptsWrittenVersion(version, of: newValue, after: before) else { return nil }
            return written(newValue, version: version, after: before)
        case .versionMismatch?:
            // A delete of an absent key answers not_found whatever its condition.
            guard holds != .yes, !(isDelete && absent(state) == .yes) else { return nil }
            return state
        case .notFound?:
            guard isDelete, absent(state) != .no else { return nil }
            return State(value: nil, valueKnown: true, version: state.version, versionExact: state.versionExact)
        case .found?:
            return nil
        }
    }

    /// `state` refined by the knowledge that the condition `ifVersion` held in it.
    func pinned(_ state: State, by ifVersion: UInt64?) -> State {
        guard let expected = ifVersion, expected != 0, !state.versionExact else { return state }
        return State(value: state.value, valueKnown: state.valueKnown, version: expected, versionExact: true)
    }

    static func not(_ a: Truth) -> Truth {
        switch a {
        case .yes: return .no
        case .no: return .yes
        case .unknown: return .unknown
        }
    }

    static func and(_ a: Truth, _ b: Truth) -> Truth {
        if a == .no || b == .no { return .no }
        if a == .yes && b == .yes { return .yes }
        return .unknown
    }
}
