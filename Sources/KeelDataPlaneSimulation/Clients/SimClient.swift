import KeelSimulation
import KeelTypes

/// A client (a router, really): it issues one operation at a time — put, get, delete,
/// compare-and-set — to the node it believes is the primary of the key's shard.
///
/// * Routing errors carry the answering replica's view of the shard; the client adopts a
///   newer view and retries, or asks the meta group for the map when the view does not
///   help. Retries happen only after errors that say the write was *not* applied, and at
///   most `maxAttempts` times.
/// * A write that fails with `maybe_applied`, or whose attempt times out, ends with an
///   unknown outcome: it may take effect at any later time, and it is never retried. A
///   timeout also makes the client ask the meta group for the map before its next attempt.
struct SimClient: Sendable {
    let index: Int
    let settings: ClientSettings
    let topology: Topology
    private var random: SimRandom
    private var view: [ShardID: ShardDescriptor] = [:]
    /// The view failed to route: ask the meta group before the next attempt.
    private var viewStale = true
    private var current: InFlight?
    private var nextAttempt: UInt64 = 0
    private var nextValue = 0
    private var lastVersion: [String: UInt64] = [:]
    private(set) var stopped = false

    struct InFlight: Sendable {
        var operation: Int
        var key: String
        var input: SimKV.Input
        var request: ClientRequest.Operation
        var attempts = 0
        /// The attempt now waiting: a request id, or a map query (`awaitingMap`).
        var requestID: UInt64 = 0
        var awaitingMap = false
    }

    init(index: Int, settings: ClientSettings, topology: Topology, random: SimRandom) {
        self.index = index
        self.settings = settings
        self.topology = topology
        self.random = random
    }

    var endpoint: Endpoint { .client(index) }

    mutating func start(_ effects: inout Effects) { scheduleNext(&effects) }

    /// No new operations from now on; the one in flight finishes or times out.
    mutating func stop() { stopped = true }

    var isIdle: Bool { current == nil }

    // MARK: Timers

    mutating func fire(_ timer: ClientTimer, at real: SimInstant, history: inout OperationHistory, _ effects: inout Effects) {
        switch timer {
        case .nextOperation:
            guard !stopped, current == nil else { return }
            begin(at: real, history: &history, &effects)
        case .retry:
            guard current != nil else { return }
            attempt(&effects)
        case .attemptTimeout(let requestID):
            guard let flight = current, flight.requestID == requestID else { return }
            // Whoever we asked may be gone: ask the meta group before the next attempt.
            viewStale = true
            if flight.awaitingMap {
                retryOrGiveUp(history: &history, &effects)
            } else {
                finish(history: &history, &effects) { $0.abandon(flight.operation, reason: "timeout") }
            }
        }
    }

    private mutating func begin(at real: SimInstant, history: inout OperationHistory, _ effects: inout Effects) {
        let key = random.pick(settings.keys)!
        let (input, request) = chooseOperation(on: key)
        let operation = history.invoke(client: index + 1, key: key, input: input, at: real)
        current = InFlight(operation: operation, key: key, input: input, request: request)
        attempt(&effects)
    }

    /// A random operation on `key`: the model's input and the request that carries it.
    private mutating func chooseOperation(on key: String) -> (SimKV.Input, ClientRequest.Operation) {
        let bytes = Array(key.utf8)
        let known = lastVersion[key] ?? 0
        let roll = random.below(100)
        if roll < 32 { return (.get, .get(key: bytes)) }
        if roll < 80 {
            nextValue += 1
            let value = "c\(index + 1)-\(nextValue)"
            let ifVersion: UInt64? = roll < 58 ? nil : roll < 72 ? known : 0
            let condition: WriteCondition = ifVersion.map { .ifVersion(KeyVersion($0)) } ?? .none
            return (.put(value, ifVersion: ifVersion), .write(.put(key: bytes, value: Array(value.utf8), condition: condition)))
        }
        let ifVersion: UInt64? = roll < 90 ? nil : max(known, 1)
        let condition: WriteCondition = ifVersion.map { .ifVersion(KeyVersion($0)) } ?? .none
        return (.delete(ifVersion: ifVersion), .write(.delete(key: bytes, condition: condition)))
    }

    /// Sends the operation to the primary the view names, or asks for the map first.
    private mutating func attempt(_ effects: inout Effects) {
        guard var flight = current else { return }
        flight.attempts += 1
        nextAttempt += 1
        flight.requestID = ClientRequestID.make(client: index, attempt: nextAttempt)
        let key = Array(flight.key.utf8)
        if !viewStale, let primary = view.values.first(where: { $0.range.contains(key) })?.primary,
            let node = topology.endpoint(of: primary)
        {
            flight.awaitingMap = false
            effects.send(.clientRequest(ClientRequest(requestID: flight.requestID, operation: flight.request)), from: endpoint, to: node)
        } else {
            flight.awaitingMap = true
            effects.send(.mapQuery, from: endpoint, to: .meta)
        }
        current = flight
        effects.clientTimers.append((settings.attemptTimeout, .attemptTimeout(requestID: flight.requestID)))
    }

    // MARK: Answers

    mutating func receive(_ envelope: Envelope, at real: SimInstant, history: inout OperationHistory, _ effects: inout Effects) {
        switch envelope.payload {
        case .mapAnswer(let shards):
            adopt(shards)
            viewStale = false
            if current?.awaitingMap == true { attempt(&effects) }
        case .clientReply(let reply):
            guard let flight = current, !flight.awaitingMap, flight.requestID == reply.requestID else { return }
            handle(reply.answer, flight, at: real, history: &history, &effects)
        default:
            break
        }
    }

    private mutating func handle(
        _ answer: ClientReply.Answer, _ flight: InFlight, at real: SimInstant, history: inout OperationHistory, _ effects: inout Effects
    ) {
        let output: SimKV.Output
        switch answer {
        case .written(let outcome): output = .written(version: outcome.version.rawValue)
        case .value(let value): output = .found(String(decoding: value.value, as: UTF8.self), version: value.version.rawValue)
        case .absent: output = .notFound
        case .failed(let error) where error.code == .versionMismatch: output = .versionMismatch
        case .failed(let error) where error.code == .notFound: output = .notFound
        case .failed(let error) where error.maybeApplied:
            finish(history: &history, &effects) { $0.abandon(flight.operation, reason: "maybe_applied (\(error.code))") }
            return
        case .failed(let error) where error.isRoutingError || error.code == .overloaded || error.code == .notEnoughReplicas:
            if let seen = error.shard, seen.epoch > (view[seen.id]?.epoch ?? .zero) {
                view[seen.id] = seen
            } else {
                viewStale = true
            }
            retryOrGiveUp(history: &history, &effects)
            return
        case .failed(let error):
            finish(history: &history, &effects) { $0.abandon(flight.operation, reason: "\(error.code)") }
            return
        }
        remember(output, of: flight)
        finish(history: &history, &effects) { $0.complete(flight.operation, output, at: real) }
    }

    /// Tries again after a definite "not applied" error, or gives up: the operation then
    /// never took effect and leaves the history.
    private mutating func retryOrGiveUp(history: inout OperationHistory, _ effects: inout Effects) {
        guard let flight = current else { return }
        guard flight.attempts < settings.maxAttempts else {
            finish(history: &history, &effects) { $0.discard(flight.operation) }
            return
        }
        current!.requestID = 0
        current!.awaitingMap = false
        effects.clientTimers.append((.microseconds(Int64(random.uint64(in: settings.retryBackoffMicroseconds))), .retry))
    }

    private mutating func finish(history: inout OperationHistory, _ effects: inout Effects, _ record: (inout OperationHistory) -> Void) {
        record(&history)
        current = nil
        scheduleNext(&effects)
    }

    private mutating func scheduleNext(_ effects: inout Effects) {
        guard !stopped else { return }
        effects.clientTimers.append((.microseconds(Int64(random.uint64(in: settings.thinkTimeMicroseconds))), .nextOperation))
    }

    private mutating func adopt(_ shards: [ShardDescriptor]) {
        for shard in shards where shard.epoch > (view[shard.id]?.epoch ?? .zero) { view[shard.id] = shard }
    }

    /// Versions seen, for the next compare-and-set on the key.
    private mutating func remember(_ output: SimKV.Output, of flight: InFlight) {
        switch (output, flight.input) {
        case (.written, .delete), (.notFound, _): lastVersion[flight.key] = 0
        case (.written(let version?), _), (.found(_, let version?), _): lastVersion[flight.key] = version
        case (.written(nil), _), (.found(_, nil), _): break
        case (.versionMismatch, _): break
        }
    }
}
