/// A broken guarantee found by the simulation: what kind, when, and the details.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    /// What was broken. Raw values are stable so that reports can be searched.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `ClusterMap.checkInvariants()` or `checkTransition(from:)` failed.
        case clusterMapInvariant = "cluster_map_invariant"
        /// Two replicas of a shard could serve at the same real instant.
        case twoServingReplicas = "two_serving_replicas"
        /// A replica could serve linearizable reads while its store lacked a committed
        /// record: a read could miss an acknowledged write (invariant 3).
        case servingBehindCommitted = "serving_behind_committed"
        /// The client-visible history of a key has no linearization.
        case notLinearizable = "not_linearizable"
        /// An acknowledged write is not what the final primary holds.
        case acknowledgedWriteLost = "acknowledged_write_lost"
        /// A backup or primary dropped a record that was committed (invariant 2).
        case committedRecordDropped = "committed_record_dropped"
        /// A replica dropped a record it had acknowledged as durable to the primary of the
        /// same epoch (which goes on counting it).
        case acknowledgedRecordDropped = "acknowledged_record_dropped"
        /// A record committed, or a node became primary or backup, while a member of the
        /// map's configuration lacked a committed record (invariant 2: failover relies on it).
        case committedRecordMissing = "committed_record_missing"
        /// Like `committedRecordMissing`, by a primary still at an older epoch than the map's.
        case committedUnderStaleConfiguration = "committed_under_stale_configuration"
        /// Replicas applied different records at one LSN, or hold different data at one LSN.
        case replicasDiverged = "replicas_diverged"
        /// After every fault healed, a shard still had no serving primary.
        case noServingPrimary = "no_serving_primary"
        /// The shell could not carry out what a core asked (a broken contract).
        case shellContract = "shell_contract"
        /// The run hit its event bound before finishing.
        case eventBoundReached = "event_bound_reached"
    }

    public var kind: Kind
    public var at: SimInstant
    public var details: String
    /// The client key concerned, for history violations.
    public var key: String?

    public init(_ kind: Kind, at: SimInstant, key: String? = nil, _ details: String) {
        self.kind = kind
        self.at = at
        self.key = key
        self.details = details
    }

    public var description: String { "[\(kind.rawValue) at \(at)] \(details)" }
}
