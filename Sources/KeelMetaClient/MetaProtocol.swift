import KeelCluster
import KeelTypes
import KeelWire

/// A request to a meta member, from a data node, a router or `keelctl`.
///
/// Carried as JSON inside one wire message type (`MetaRequestFrame`): the meta protocol is
/// a few messages a second per node, so readability and easy evolution (new cases, new
/// optional fields) matter more than bytes. Requests a follower cannot serve are answered
/// `not_leader` with the leader's address.
public enum MetaRequest: Sendable, Codable, Hashable {
    /// A data node joins or rejoins.
    case register(id: DataNodeID, address: HostPort, zone: String)
    /// A data node's periodic report; the answer carries its primary leases.
    case heartbeat(NodeHeartbeat)
    /// Long poll: the changes after `fromVersion`, waiting up to `waitMs` for one.
    case watch(fromVersion: UInt64, waitMs: UInt64)
    /// The whole map; `linearizable` confirms leadership first (served by the leader only).
    case getMap(linearizable: Bool)
    /// An operator's (or a node's) command, proposed through the log.
    case propose(MetaCommand)
    /// A primary cannot reach a replica of its configuration at `epoch`.
    case replicaUnreachable(shard: ShardID, epoch: Epoch, node: DataNodeID)
    /// A primary restarted and needs a new epoch before it writes (see `MetaCommand.renewEpoch`).
    case primaryRestarted(shard: ShardID, epoch: Epoch, node: DataNodeID)
    /// A learner has caught up and can be promoted.
    case learnerCaughtUp(shard: ShardID, epoch: Epoch, node: DataNodeID)
    /// The meta group's members, leader and terms.
    case members
    /// Adds a meta member (as a learner first, promoted once caught up).
    case addMember(id: UInt64, address: HostPort)
    case removeMember(id: UInt64)
}

/// A meta member's answer.
public enum MetaResponse: Sendable, Codable, Hashable {
    case ok
    case heartbeat(HeartbeatReply)
    /// Watch answer: changes in order, up to `version`.
    case changes([VersionedChanges], version: UInt64)
    /// The whole map (a watch that was too far behind, or `getMap`).
    case map(ClusterMap)
    /// A proposed command was applied.
    case applied(VersionedChanges)
    case members(MetaMembers)
    case error(MetaFailure)
}

/// A failed meta request: a searchable code, a message, and where the leader is.
public struct MetaFailure: Error, Sendable, Codable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// The leader's client address, when the answer is `not_leader` and one is known.
    public var leader: HostPort?
    /// Whether a failed proposal may still be applied.
    public var maybeApplied: Bool

    public init(code: String, message: String, leader: HostPort? = nil, maybeApplied: Bool = false) {
        self.code = code
        self.message = message
        self.leader = leader
        self.maybeApplied = maybeApplied
    }

    public static func notLeader(_ leader: HostPort?) -> MetaFailure {
        MetaFailure(code: "not_leader", message: "this member is not the meta leader", leader: leader)
    }

    public var description: String { "\(code): \(message)" }
}

/// The meta group as one member sees it.
public struct MetaMembers: Sendable, Codable, Hashable {
    public struct Member: Sendable, Codable, Hashable {
        public var id: UInt64
        public var address: HostPort?
        public var role: String
        /// The leader's view of how far this member's log matches (leader only).
        public var match: UInt64?
        public init(id: UInt64, address: HostPort?, role: String, match: UInt64?) {
            self.id = id
            self.address = address
            self.role = role
            self.match = match
        }
    }
    public var answeredBy: UInt64
    public var leader: UInt64?
    public var term: UInt64
    public var commitIndex: UInt64
    public var members: [Member]
    public init(answeredBy: UInt64, leader: UInt64?, term: UInt64, commitIndex: UInt64, members: [Member]) {
        self.answeredBy = answeredBy
        self.leader = leader
        self.term = term
        self.commitIndex = commitIndex
        self.members = members
    }
}

/// `MetaRequest` on the wire (type 3000).
public struct MetaRequestFrame: WireMessage {
    public static let wireType = WireMessageType(3000)
    public var request: MetaRequest
    public init(_ request: MetaRequest) { self.request = request }
    public func encode(to writer: inout WireWriter) { writer.writeBytes(ClusterCoding.encode(request)) }
    public init(from reader: inout WireReader) throws(WireError) {
        let bytes = try reader.readBytes(maxCount: 16 << 20)
        do {
            request = try ClusterCoding.decode(MetaRequest.self, from: bytes)
        } catch {
            throw WireError(.malformed, "undecodable meta request: \(error.message)")
        }
    }
}

/// `MetaResponse` on the wire (type 3001).
public struct MetaResponseFrame: WireMessage {
    public static let wireType = WireMessageType(3001)
    public var response: MetaResponse
    public init(_ response: MetaResponse) { self.response = response }
    public func encode(to writer: inout WireWriter) { writer.writeBytes(ClusterCoding.encode(response)) }
    public init(from reader: inout WireReader) throws(WireError) {
        let bytes = try reader.readBytes(maxCount: 64 << 20)
        do {
            response = try ClusterCoding.decode(MetaResponse.self, from: bytes)
        } catch {
            throw WireError(.malformed, "undecodable meta response: \(error.message)")
        }
    }
}
