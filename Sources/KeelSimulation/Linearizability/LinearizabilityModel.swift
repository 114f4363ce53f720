/// A sequential specification the linearizability checker tests histories against.
///
/// The model is partitioned by key (P-compositionality): every operation touches exactly
/// one key, keys are independent, and a history is linearizable exactly when each key's
/// sub-history is. `step` must be a pure function of its arguments, and `State` must be
/// `Hashable` because the search memoizes (linearized set, state) pairs.
public protocol LinearizabilityModel: Sendable {
    associatedtype Key: Hashable & Comparable & Sendable
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    associatedtype State: Hashable

    /// The state of a key that no operation has touched yet.
    var initialState: State { get }

    /// Applies `input` to `state` and checks it against the observed `output`.
    ///
    /// Returns the next state when the operation, applied atomically in `state`, could have
    /// produced `output`; returns nil when it could not. A nil `output` means the caller never
    /// learned the result (a crashed or timed-out client): the model must accept it and
    /// return the state the operation leaves behind if it took effect.
    func step(_ state: State, _ input: Input, _ output: Output?) -> State?

    /// Whether `input` never changes the state (a read). The checker drops such operations
    /// when their outcome is unknown, since they constrain nothing.
    func hasNoEffect(_ input: Input) -> Bool

    /// One line describing an operation for violation reports, e.g. `put(v3) -> ok(v=4)`.
    func describe(_ input: Input, _ output: Output?) -> String
}

extension LinearizabilityModel {
    public func hasNoEffect(_ input: Input) -> Bool { false }
}
