@_spi(Testing) @testable import KeelRaft

extension RaftMessage {
    var appendRequest: AppendRequest? { if case .append(let request) = payload { request } else { nil } }
    var appendResponse: AppendResponse? { if case .appendResponse(let response) = payload { response } else { nil } }
    var snapshotChunk: SnapshotChunk? { if case .snapshotChunk(let chunk) = payload { chunk } else { nil } }
    var isHeartbeat: Bool { if case .heartbeat = payload { true } else { false } }
    var isTimeoutNow: Bool { payload == .timeoutNow }
}

/// `count` proposals with one-byte payloads 0, 1, 2, …
func proposals(_ count: Int, firstID: UInt64 = 1, bytes: Int = 1) -> [Proposal] {
    (0..<count).map { Proposal(id: ProposalID(firstID + UInt64($0)), data: Array(repeating: UInt8($0 % 256), count: bytes)) }
}

extension TestNetwork {
    /// The normal-entry payloads every node applied, by node.
    var appliedData: [RaftNodeID: [[UInt8]]] { nodes.mapValues { $0.appliedData } }

    /// Asserts nothing about a node's internals: whether every up node applied the same data.
    var allAppliedTheSame: Bool {
        let up = ids.filter { nodes[$0]!.isUp }
        guard let first = up.first else { return true }
        return up.allSatisfy { nodes[$0]!.appliedData == nodes[first]!.appliedData }
    }
}

extension TestNetwork {
    /// Leader completeness: every entry applied anywhere is in the log of every current
    /// leader of a later term than the one it was committed in (where the leader has not
    /// compacted it). Returns the violations.
    func leaderCompletenessViolations() -> [String] {
        var violations: [String] = []
        for id in leaders {
            let raft = nodes[id]!.raft!
            for (index, entry) in appliedAnywhere where index >= raft.firstLogIndex
                && raft.currentTerm > committedNoLaterThan[index, default: raft.currentTerm] {
                if raft.entry(at: index) != entry {
                    violations.append("leader \(id) (\(raft.currentTerm)) lacks committed \(entry)")
                }
            }
        }
        return violations
    }

    /// Log matching: if two logs hold an entry with the same index and term, they hold the
    /// same entries up to it (checked over the indexes both still store).
    func logMatchingViolations() -> [String] {
        var violations: [String] = []
        let all = ids.map { nodes[$0]!.raft! }
        for (a, left) in all.enumerated() {
            for right in all[(a + 1)...] {
                let low = max(left.firstLogIndex, right.firstLogIndex)
                let high = min(left.lastLogIndex, right.lastLogIndex)
                guard low <= high else { continue }
                // Find the highest index where the terms agree; below it all must match.
                var index = high
                while index >= low, left.term(at: index) != right.term(at: index) { index = index.previous; if index == .zero { break } }
                guard index >= low, left.term(at: index) == right.term(at: index) else { continue }
                var check = low
                while check <= index {
                    if left.entry(at: check) != right.entry(at: check) {
                        violations.append("\(left.id) and \(right.id) agree at \(index) but differ at \(check)")
                        break
                    }
                    check = check.next
                }
            }
        }
        return violations
    }
}
