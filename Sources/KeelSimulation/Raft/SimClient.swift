import KeelRaft

/// A simulated client: one operation at a time, retried on other nodes until it succeeds
/// or runs out of attempts, every invocation and answer recorded for the linearizability
/// checker. Writes keep their sequence number across retries, so the store applies each
/// at most once; an operation given up on is recorded with an unknown outcome.
struct SimClient: Sendable {
    struct Operation: Sendable {
        var handle: HistoryRecorder<SimKV>.Handle
        var sequence: UInt64
        var key: String
        var input: SimKV.Input
        var attemptsLeft: Int
        var attempt: UInt64 = 0
    }

    let number: Int
    var leaderGuess: RaftNodeID
    var sequence: UInt64 = 0
    var current: Operation?
    /// The last version this client saw per key, for its compare-and-sets.
    var seenVersions: [String: UInt64] = [:]
    var completed = 0
    var abandoned = 0
    /// Writes given up on, whose outcome the client never learned.
    var abandonedWrites: [(handle: HistoryRecorder<SimKV>.Handle, sequence: UInt64)] = []

    init(number: Int, leaderGuess: RaftNodeID) {
        self.number = number
        self.leaderGuess = leaderGuess
    }

    /// A random operation: puts, gets, compare-and-sets and deletes on a few keys.
    mutating func nextOperation(keys: Int, random: inout SimRandom) -> (key: String, input: SimKV.Input) {
        sequence += 1
        let key = "k\(random.below(UInt64(keys)))"
        let value = "c\(number).\(sequence)"
        let seen = seenVersions[key] ?? 0
        switch random.below(20) {
        case 0..<6: return (key, .put(value))
        case 6..<14: return (key, .get)
        case 14..<17: return (key, .compareAndSet(expectedVersion: random.chance(0.8) ? seen : seen + 1, value: value))
        case 17..<19: return (key, .delete())
        default: return (key, .delete(ifVersion: seen))
        }
    }

    /// Remembers versions seen in `output` for later compare-and-sets.
    mutating func observe(_ output: SimKV.Output, key: String, input: SimKV.Input) {
        switch output {
        case .found(_, let version?): seenVersions[key] = version
        case .written(let version?): seenVersions[key] = input.isDelete ? 0 : version
        case .notFound: seenVersions[key] = 0
        default: break
        }
    }
}
