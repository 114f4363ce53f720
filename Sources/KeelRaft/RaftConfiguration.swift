/// The membership of a Raft group: who votes and who only receives the log.
///
/// Voters elect leaders and count towards commit quorums (a majority of voters).
/// Learners receive every entry but never vote or count; a learner is promoted to a
/// voter by a `ConfigChange`. A node is never both. Both lists are kept sorted and
/// free of duplicates so that every iteration over them is deterministic.
public struct RaftConfiguration: Hashable, Sendable, CustomStringConvertible {
    public private(set) var voters: [RaftNodeID]
    public private(set) var learners: [RaftNodeID]

    /// A configuration with the given members; duplicates are removed, and a node listed
    /// as both voter and learner is a voter.
    public init(voters: [RaftNodeID], learners: [RaftNodeID] = []) {
        let voterList = Array(Set(voters)).sorted()
        self.voters = voterList
        self.learners = Array(Set(learners).subtracting(voterList)).sorted()
    }

    /// The empty configuration of a node that has not yet learned its group.
    public static let empty = RaftConfiguration(voters: [])

    public func isVoter(_ id: RaftNodeID) -> Bool { voters.contains(id) }
    public func isLearner(_ id: RaftNodeID) -> Bool { learners.contains(id) }
    public func contains(_ id: RaftNodeID) -> Bool { isVoter(id) || isLearner(id) }

    /// Number of voters that form a majority (1 for a single voter; 0 for no voters).
    public var quorumSize: Int { voters.isEmpty ? 0 : voters.count / 2 + 1 }

    /// Every member (voters, then learners), in ascending id order within each group.
    public var members: [RaftNodeID] { voters + learners }

    public var description: String { "voters=\(voters) learners=\(learners)" }

    mutating func addVoter(_ id: RaftNodeID) {
        learners.removeAll { $0 == id }
        if !voters.contains(id) { voters.append(id); voters.sort() }
    }

    mutating func addLearner(_ id: RaftNodeID) {
        if !learners.contains(id) { learners.append(id); learners.sort() }
    }

    mutating func remove(_ id: RaftNodeID) {
        voters.removeAll { $0 == id }
        learners.removeAll { $0 == id }
    }
}
