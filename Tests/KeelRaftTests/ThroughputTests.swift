@_spi(Testing) @testable import KeelRaft
import Testing

/// Batching at work: a 3-node group on one thread with zero-latency delivery and no
/// persistence (the core alone). Asserts that every proposal is applied everywhere and
/// that the number of append messages falls with the batch size; prints the rate (only
/// meaningful in release: `swift test -c release -Xswiftc -enable-testing --filter
/// ThroughputTests`). No timing is asserted.
@Suite struct ThroughputTests {
    @Test(arguments: [1, 10, 100])
    func proposalsCommitInBatches(batch: Int) throws {
        let total = 20_000
        var group = try BareGroup(voters: 3)
        group.run(0, .campaign)
        group.drain()
        let clock = ContinuousClock()
        let start = clock.now
        var proposals: [Proposal] = []
        var id: UInt64 = 0
        while id < UInt64(total) {
            proposals.removeAll(keepingCapacity: true)
            for _ in 0..<batch { id += 1; proposals.append(Proposal(id: ProposalID(id), data: [1, 2, 3, 4, 5, 6, 7, 8])) }
            group.run(0, .propose(proposals))
            group.drain()
        }
        let elapsed = clock.now - start
        let bootstrapAndElection = 4  // 3 membership entries + the leader's empty entry
        #expect(group.applied == Array(repeating: total + bootstrapAndElection, count: 3))
        // One append per follower per batch, plus at most one commit-only append each.
        #expect(group.appendMessages <= 2 * 2 * (total / batch) + 8)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("batch \(batch): \(Int(Double(total) / seconds)) proposals/s, \(group.appendMessages) appends")
    }
}

/// Three bare cores and a FIFO queue: the cheapest possible shell.
struct BareGroup {
    var nodes: [RaftNode]
    var queue: [RaftMessage] = []
    var applied: [Int]
    var appendMessages = 0

    init(voters: Int) throws {
        let membership = RaftConfiguration(voters: (1...voters).map { RaftNodeID(UInt64($0)) })
        nodes = try (1...voters).map { try RaftNode(config: RaftConfig(id: RaftNodeID(UInt64($0))), bootstrap: .newGroup(membership)) }
        applied = Array(repeating: 0, count: voters)
    }

    mutating func run(_ node: Int, _ input: RaftInput) {
        let output = nodes[node].step(input)
        for message in output.messages { if case .append = message.payload { appendMessages += 1 } }
        queue.append(contentsOf: output.messages)
        applied[node] += output.committedEntries.count
    }

    mutating func drain() {
        var head = 0
        while head < queue.count {
            let message = queue[head]
            head += 1
            run(Int(message.to.rawValue - 1), .message(message))
        }
        queue.removeAll(keepingCapacity: true)
    }
}
