import KeelTypes

/// What the meta group knows of a data node's health and role.
public enum NodeState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Heartbeating.
    case up
    /// Missed heartbeats; still counted in its shards' configurations.
    case suspect
    /// Not heard from for long enough that its replicas are being replaced.
    case down
    /// Healthy, but the balancer moves every replica away and places none on it.
    case draining
    /// Taken out of the cluster by an operator; its id may not be reused.
    case removed

    /// Whether new replicas may be placed on a node in this state.
    public var acceptsReplicas: Bool { self == .up }
}

/// A registered data node.
public struct DataNodeRecord: Sendable, Codable, Hashable {
    public var id: DataNodeID
    public var address: HostPort
    public var zone: String
    public var state: NodeState

    public init(id: DataNodeID, address: HostPort, zone: String, state: NodeState = .up) {
        self.id = id
        self.address = address
        self.zone = zone
        self.state = state
    }
}
