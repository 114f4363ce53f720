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
