import KeelRaft

/// A broken Raft guarantee (or a liveness failure) found by the simulation.
public struct RaftInvariantViolation: Sendable, CustomStringConvertible {
    /// Which guarantee broke.
    public enum Kind: String, Sendable {
        case electionSafety = "election_safety"
        case logMatching = "log_matching"
        case leaderCompleteness = "leader_completeness"
        case stateMachineSafety = "state_machine_safety"
        case committedEntryLost = "committed_entry_lost"
        case staleRead = "stale_read"
        case restartFailed = "restart_failed"
        case liveness
        case linearizability
        /// The harness's event queue overflowed: a feedback loop, not a Raft verdict.
        case eventQueueFull = "event_queue_full"
    }

    public var kind: Kind
    /// Simulated time, in nanoseconds.
    public var time: UInt64
    public var message: String

    public var description: String { "\(kind.rawValue) at t=\(Double(time) / 1e6)ms: \(message)" }
}

/// Checks the Raft safety properties incrementally, after every step of every node.
///
/// Every log entry is summarised by a chain hash that covers the entry and every entry
/// before it, so one comparison of chain hashes compares whole log prefixes:
/// * log matching: an (index, term) pair always has the same chain hash, on every node,
///   across the whole run;
/// * election safety: at most one node becomes leader in a term, across the whole run;
/// * leader completeness: a new leader of term L holds (same chain hash) the highest
///   entry committed in a term before L, so it holds every entry committed before its
///   term. Only earlier terms count: a candidate of term L can win with votes granted
///   before a leader of a later term committed more (the votes were in flight), and
///   its log need not hold what that later leader committed;
/// * state-machine safety: every node applies, at each index, the entry with the chain
///   hash first applied there;
/// * read safety: a read's index covers every entry committed anywhere before the read
///   reached its node (a stronger, state-based form of "a read sees every write that
///   completed before it began", which does not wait for a client to notice);
/// * committed entries survive crashes: the highest committed entry stays on the disks
///   of enough of the committed configuration's voters that every quorum holds it.
struct RaftInvariants: Sendable {
    private struct Position: Hashable {
        var index: UInt64
        var term: UInt64
    }

    /// Mirror of one node's log: the chain hash of each entry after `base`.
    struct LogMirror: Sendable {
        var baseIndex: UInt64 = 0
        var baseTerm: UInt64 = 0
        var baseChain: UInt64 = 0
        var chains: [UInt64] = []
        var terms: [UInt64] = []

        var lastIndex: UInt64 { baseIndex + UInt64(chains.count) }

        func chain(at index: UInt64) -> UInt64? {
            if index == baseIndex { return baseChain }
            guard index > baseIndex, index <= lastIndex else { return nil }
            return chains[Int(index - baseIndex - 1)]
        }

        func term(at index: UInt64) -> UInt64? {
            if index == baseIndex { return baseTerm }
            guard index > baseIndex, index <= lastIndex else { return nil }
            return terms[Int(index - baseIndex - 1)]
        }
    }

    private var chainAt: [Position: UInt64] = [Position(index: 0, term: 0): 0]
    private var leaders: [UInt64: RaftNodeID] = [:]
    private var appliedChain: [UInt64: UInt64] = [:]
    /// One mirror per node, at index `id - 1` (mutated in place: no copy per append).
    private(set) var mirrors: [LogMirror?]
    /// The highest index any node has reported committed, its term and chain hash.
    private(set) var maxCommitted: (index: UInt64, term: UInt64, chain: UInt64) = (0, 0, 0)
    /// Commits by the term in which they were known: the reporting node's current term,
    /// never below the term of the leader that committed the entry. Only the frontier is
    /// kept (terms and indexes both strictly increasing): a commit at a lower index known
    /// in a later term adds nothing to what leaders must hold.
    private var commitFrontier: [(term: UInt64, index: UInt64, chain: UInt64)] = []
    private(set) var violation: RaftInvariantViolation?

    init(maxNodeID: Int) {
        mirrors = Array(repeating: nil, count: maxNodeID)
    }

    private static func slot(_ node: RaftNodeID) -> Int { Int(node.rawValue) - 1 }

    func mirror(of node: RaftNodeID) -> LogMirror? { mirrors[Self.slot(node)] }

    private mutating func fail(_ kind: RaftInvariantViolation.Kind, _ time: UInt64, _ message: String) {
        if violation == nil { violation = RaftInvariantViolation(kind: kind, time: time, message: message) }
    }

    static func chain(after previous: UInt64, _ entry: Entry) -> UInt64 {
        var trace = SimTrace()
        trace.record(previous, entry.index.rawValue, entry.term.rawValue, UInt64(entry.kind.rawValue))
        trace.record(bytes: entry.data)
        return trace.hash
    }

    // MARK: Log changes

    /// Rebuilds `node`'s mirror from its durable state (at start and after a restart).
    mutating func loadLog(of node: RaftNodeID, from state: RaftDurableState, at time: UInt64) {
        let meta = state.snapshot.metadata
        guard let base = chainAt[Position(index: meta.index.rawValue, term: meta.term.rawValue)] else {
            fail(.logMatching, time, "\(node)'s snapshot at \(meta.index) (\(meta.term)) matches no entry any node ever held")
            return
        }
        mirrors[Self.slot(node)] = LogMirror(baseIndex: meta.index.rawValue, baseTerm: meta.term.rawValue, baseChain: base)
        appended(state.entries, on: node, at: time)
    }

    /// `node` persisted `entries` (its log is cut at the first one's index first).
    mutating func appended(_ entries: [Entry], on node: RaftNodeID, at time: UInt64) {
        let slot = Self.slot(node)
        guard let first = entries.first, mirrors[slot] != nil else { return }
        // No local copy of the mirror: its arrays are mutated in place below.
        let keep = Int(first.index.rawValue) - Int(mirrors[slot]!.baseIndex) - 1
        guard keep >= 0, keep <= mirrors[slot]!.chains.count else {
            fail(.logMatching, time, "\(node) appended at \(first.index) beyond the end of its log (\(mirrors[slot]!.lastIndex))")
            return
        }
        var previous = mirrors[slot]!.chain(at: first.index.rawValue - 1) ?? 0
        mirrors[slot]!.chains.removeSubrange(keep...)
        mirrors[slot]!.terms.removeSubrange(keep...)
        for entry in entries {
            let chain = Self.chain(after: previous, entry)
            let position = Position(index: entry.index.rawValue, term: entry.term.rawValue)
            if let known = chainAt[position], known != chain {
                fail(.logMatching, time, "\(node) holds entry \(entry.index) of \(entry.term) with a log prefix that differs from another node's")
            } else {
                chainAt[position] = chain
            }
            mirrors[slot]!.chains.append(chain)
            mirrors[slot]!.terms.append(entry.term.rawValue)
            previous = chain
        }
    }

    /// `node` persisted `snapshot`: from the leader (its log is replaced) or by compaction.
    mutating func snapshotted(_ snapshot: Snapshot, replacingLog: Bool, on node: RaftNodeID, at time: UInt64) {
        let meta = snapshot.metadata
        let slot = Self.slot(node)
        guard mirrors[slot] != nil else { return }
        let chain = replacingLog
            ? chainAt[Position(index: meta.index.rawValue, term: meta.term.rawValue)] : mirrors[slot]!.chain(at: meta.index.rawValue)
        guard let chain else {
            fail(.logMatching, time, "\(node) took a snapshot at \(meta.index) (\(meta.term)) that matches no entry ever held")
            return
        }
        if replacingLog {
            mirrors[slot] = LogMirror(baseIndex: meta.index.rawValue, baseTerm: meta.term.rawValue, baseChain: chain)
        } else {
            let dropped = min(Int(meta.index.rawValue - mirrors[slot]!.baseIndex), mirrors[slot]!.chains.count)
            mirrors[slot]!.chains.removeFirst(dropped)
            mirrors[slot]!.terms.removeFirst(dropped)
            mirrors[slot]!.baseIndex = meta.index.rawValue
            mirrors[slot]!.baseTerm = meta.term.rawValue
            mirrors[slot]!.baseChain = chain
        }
    }

    // MARK: Roles, commits, applies

    /// `node` is leader of `term` after a step.
    mutating func becameLeader(_ node: RaftNodeID, term: Term, at time: UInt64) {
        if let other = leaders[term.rawValue], other != node {
            fail(.electionSafety, time, "\(node) and \(other) were both leaders of \(term)")
            return
        }
        guard leaders[term.rawValue] == nil else { return }
        leaders[term.rawValue] = node
        guard let required = commitFrontier.last(where: { $0.term < term.rawValue }) else { return }
        if mirror(of: node)?.chain(at: required.index) != required.chain {
            fail(.leaderCompleteness, time,
                 "\(node) became leader of \(term) without entry \(required.index), committed by t\(required.term)")
        }
    }

    /// `node`, now in `term`, reports `commit` as its commit index.
    mutating func committed(_ commit: LogIndex, on node: RaftNodeID, term: Term, at time: UInt64) {
        let index = commit.rawValue
        guard index > 0, let mirror = mirror(of: node) else { return }
        guard let chain = mirror.chain(at: index), let entryTerm = mirror.term(at: index) else {
            fail(.stateMachineSafety, time, "\(node) committed \(commit) beyond its log (\(mirror.lastIndex))")
            return
        }
        if index == maxCommitted.index && chain != maxCommitted.chain {
            fail(.stateMachineSafety, time, "\(node) committed a different entry at \(commit) than another node")
        } else if index > maxCommitted.index {
            maxCommitted = (index, entryTerm, chain)
        }
        addToFrontier(term: term.rawValue, index: index, chain: chain)
    }

    private mutating func addToFrontier(term: UInt64, index: UInt64, chain: UInt64) {
        if commitFrontier.contains(where: { $0.term <= term && $0.index >= index }) { return }
        commitFrontier.removeAll { $0.term >= term && $0.index <= index }
        let position = commitFrontier.firstIndex { $0.term > term } ?? commitFrontier.endIndex
        commitFrontier.insert((term, index, chain), at: position)
    }

    /// `node` applied the entry at `index` (or restored a snapshot ending there). Returns
    /// true when no node had applied that index before.
    @discardableResult
    mutating func applied(_ index: LogIndex, on node: RaftNodeID, at time: UInt64) -> Bool {
        guard let chain = mirror(of: node)?.chain(at: index.rawValue) else {
            fail(.stateMachineSafety, time, "\(node) applied \(index), which its log does not hold")
            return false
        }
        guard let first = appliedChain[index.rawValue] else {
            appliedChain[index.rawValue] = chain
            return true
        }
        if first != chain { fail(.stateMachineSafety, time, "\(node) applied a different entry at \(index) than another node") }
        return false
    }

    /// `node` confirmed `read` (by ReadIndex or lease); `required` is the highest index
    /// committed anywhere when the request reached `node`.
    mutating func readConfirmed(_ read: ReadState, required: UInt64, on node: RaftNodeID, at time: UInt64) {
        guard read.index.rawValue < required else { return }
        fail(.staleRead, time,
             "\(node) confirmed a read (\(read.mode)) at index \(read.index), but \(required) was committed before the read reached it")
    }

    /// The highest committed entry must be on enough disks of `voters` that every quorum
    /// of them holds it (for an odd number of voters: a majority); `holders` are the voters
    /// whose disk holds it (or a snapshot covering it). With an even number of voters
    /// (during a membership change) fewer than a majority suffice: a quorum of 4 is 3.
    mutating func checkDurability(voters: [RaftNodeID], holders: [RaftNodeID], at time: UInt64) {
        let quorum = voters.count / 2 + 1
        guard maxCommitted.index > 0, !voters.isEmpty, voters.count - holders.count >= quorum else { return }
        fail(.committedEntryLost, time,
             "committed entry i\(maxCommitted.index) (t\(maxCommitted.term)) is on the disks of only \(holders) of voters \(voters)")
    }

    /// Records a liveness or linearizability failure found outside the invariants.
    mutating func report(_ kind: RaftInvariantViolation.Kind, at time: UInt64, _ message: String) {
        fail(kind, time, message)
    }
}
