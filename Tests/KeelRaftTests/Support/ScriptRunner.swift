@_spi(Testing) @testable import KeelRaft
import Testing

/// Interaction scripts in the etcd-io/raft style: each block is commands, `----`, then
/// the exact output they must produce (messages delivered, states printed). Blank lines
/// separate blocks. Commands:
///
/// | command | effect (output) |
/// |---|---|
/// | `nodes N [prevote=off] [checkquorum=off] [maxmsg=B]` | new group of N voters (nothing) |
/// | `campaign ID`, `tick ID [N]`, `propose ID TEXT`, `read ID RID [lease]`, `transfer ID TARGET` | one input (nothing) |
/// | `stabilize` | deliver until quiet (each delivered message) |
/// | `isolate ID`, `heal`, `crash ID`, `restart ID` | network faults (nothing) |
/// | `status` | one line per node: role, term, commit, last index, leader |
/// | `reads ID` | the node's read states so far |
struct ScriptRunner {
    var network = TestNetwork(voters: 1)

    /// What a script produced and what it says it must produce, block by block (each
    /// block headed by its commands, so a difference shows where it arose).
    struct Transcript {
        var expected = ""
        var actual = ""
    }

    /// Runs `script`; the test compares the transcript's two sides.
    mutating func run(_ script: String) -> Transcript {
        var transcript = Transcript()
        for block in script.split(separator: "\n\n", omittingEmptySubsequences: true) {
            let parts = block.split(separator: "----\n", maxSplits: 1, omittingEmptySubsequences: false)
            let commands = parts[0].split(separator: "\n").map(String.init)
            var lines: [String] = []
            for command in commands { lines += execute(command) }
            let header = "## " + commands.joined(separator: "; ") + "\n"
            transcript.expected += header + (parts.count > 1 ? String(parts[1]).trimmingWhitespace() : "") + "\n"
            transcript.actual += header + lines.joined(separator: "\n") + "\n"
        }
        return transcript
    }

    private mutating func execute(_ command: String) -> [String] {
        let words = command.split(separator: " ").map(String.init)
        let id = words.count > 1 ? RaftNodeID(UInt64(words[1]) ?? 0) : RaftNodeID(0)
        switch words[0] {
        case "nodes":
            let options = Set(words.dropFirst(2))
            let maxMessage = options.first { $0.hasPrefix("maxmsg=") }.flatMap { Int($0.dropFirst(7)) }
            network = TestNetwork(voters: Int(words[1])!) { config in
                config.preVote = !options.contains("prevote=off")
                config.checkQuorum = !options.contains("checkquorum=off")
                if let maxMessage { config.maxMessageBytes = maxMessage }
            }
        case "campaign": network.step(id, .campaign)
        case "tick": network.tick(id, times: words.count > 2 ? Int(words[2])! : 1)
        case "propose": network.step(id, .propose([Proposal(id: ProposalID(0), data: Array(words[2].utf8))]))
        case "read":
            let mode: ReadMode = words.count > 3 && words[3] == "lease" ? .lease : .readIndex
            network.step(id, .read(ReadRequestID(UInt64(words[2])!), mode))
        case "transfer": network.step(id, .transferLeadership(to: RaftNodeID(UInt64(words[2])!)))
        case "isolate": network.isolate(id)
        case "heal": network.heal()
        case "crash": network.crash(id)
        case "restart": network.restart(id)
        case "stabilize":
            let before = network.delivered.count
            network.stabilize()
            return network.delivered[before...].map(Self.describe)
        case "status":
            return network.ids.map { node in
                let raft = network[node].raft!
                let leader = raft.currentLeader.map(\.description) ?? "none"
                let state = network[node].isUp ? raft.currentRole.rawValue : "down"
                return "\(node) \(state) \(raft.currentTerm) commit=\(raft.commitIndex) last=\(raft.lastLogIndex) leader=\(leader)"
            }
        case "reads":
            return network[id].readStates.map { "\($0.id) at \($0.index) by \($0.mode == .lease ? "lease" : "read-index")" }
        default:
            Issue.record("unknown script command: \(command)")
        }
        return []
    }

    /// One delivered message, compactly: `n1->n2 t2 append prev=i5/t1 [i6/t2] commit=i5`.
    static func describe(_ message: RaftMessage) -> String {
        let head = "\(message.from)->\(message.to) \(message.term)"
        switch message.payload {
        case .voteRequest(let request):
            return "\(head) \(request.isPreVote ? "pre-vote" : "vote") last=\(request.lastLogIndex)/\(request.lastLogTerm)"
                + (request.isTransfer ? " transfer" : "")
        case .voteResponse(let response):
            return "\(head) \(response.isPreVote ? "pre-vote" : "vote") \(response.granted ? "granted" : "rejected")"
        case .append(let request):
            let entries = request.entries.map { "\($0.index)/\($0.term)" }.joined(separator: ",")
            return "\(head) append prev=\(request.prevLogIndex)/\(request.prevLogTerm) [\(entries)] commit=\(request.commit)"
        case .appendResponse(let response):
            guard let hint = response.rejection else { return "\(head) append ok \(response.index)" }
            let term = hint.conflictTerm.map(\.description) ?? "-"
            return "\(head) append rejected \(response.index) hint=\(hint.conflictIndex)/\(term)"
        case .heartbeat(let heartbeat):
            return "\(head) heartbeat commit=\(heartbeat.commit) round=\(heartbeat.readRound)"
        case .heartbeatResponse(let response):
            return "\(head) heartbeat ok round=\(response.readRound)"
        case .snapshotChunk(let chunk):
            return "\(head) snapshot \(chunk.metadata.index) [\(chunk.offset),+\(chunk.data.count))\(chunk.done ? " done" : "")"
        case .snapshotChunkResponse(let response):
            return "\(head) snapshot ok \(response.receivedBytes)\(response.outOfOrder ? " out-of-order" : "")"
        case .timeoutNow:
            return "\(head) timeout-now"
        case .readIndex(let request):
            return "\(head) read-index \(request.id)"
        case .readIndexResponse(let response):
            return "\(head) read-index \(response.id) at \(response.index.map(\.description) ?? "refused")"
        case .transferLeadership(let target):
            return "\(head) transfer-to \(target)"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
