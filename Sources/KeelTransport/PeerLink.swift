import KeelWire
import NIOCore
import Synchronization

/// One connection to a peer, and the state that outlives the socket under it: the bounded
/// send queue, the senders waiting for room in it, and the requests awaiting responses.
///
/// A *dialer* link belongs to a peer address: it connects when it has something to send,
/// and after a failure waits out a backoff before the next attempt. An *acceptor* link
/// wraps one inbound connection and ends with it.
///
/// All state sits behind one lock. A transition computes, under the lock, the `Effects`
/// to carry out (continuations to resume, a drain or connect to start, a channel to close);
/// they run after the lock is released, so no continuation resumes under the lock.
final class PeerLink: Sendable {
    enum Role: Sendable {
        case dialer(PeerAddress)
        case acceptor
    }

    enum Phase: Sendable {
        /// Dialer with nothing to send: no connection, none wanted.
        case idle
        case connecting
        case handshaking(any Channel)
        case ready(any Channel, PeerIdentity)
        /// Dialer waiting before its next attempt.
        case backingOff(Scheduled<Void>)
        case closed(TransportError)
    }

    struct Waiter: Sendable {
        var id: UInt64
        var frame: OutboundFrame
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct PendingRequest: Sendable {
        var continuation: CheckedContinuation<WireEnvelope, any Error>
        var deadline: NIODeadline
        var timeout: Duration
    }

    struct State: Sendable {
        var phase: Phase
        var queue: OutboundQueue
        /// `send` calls waiting for room, in arrival order; each holds its frame.
        var waiters = CircularBuffer<Waiter>()
        var pending: [UInt64: PendingRequest] = [:]
        /// Requests the peer sent on this connection that have not been answered yet.
        var unansweredInbound: Set<UInt64> = []
        var nextCorrelationID: UInt64 = 1
        var nextWaiterID: UInt64 = 1
        var drainScheduled = false
        /// One timer per link expires requests: it is set for the earliest deadline and,
        /// when it fires, re-set for the next. With one timeout for all requests no request
        /// touches a timer, except the first after the table was empty.
        var timeoutSweep: (timer: Scheduled<Void>, deadline: NIODeadline)?
        /// Consecutive failed connection attempts (reset by a completed handshake).
        var failedAttempts = 0
    }

    /// Batches one drain writes before it yields the event loop to other channels.
    static let maxBatchesPerDrain = 16

    let role: Role
    let eventLoop: any EventLoop
    let shared: TransportShared
    let state: Mutex<State>

    init(role: Role, eventLoop: any EventLoop, shared: TransportShared, channel: (any Channel)? = nil) {
        self.role = role
        self.eventLoop = eventLoop
        self.shared = shared
        let queue = OutboundQueue(
            maxFrames: shared.configuration.maxQueuedFrames, maxBytes: shared.configuration.maxQueuedBytes)
        self.state = Mutex(State(phase: channel.map { .handshaking($0) } ?? .idle, queue: queue))
    }

    var isDialer: Bool {
        if case .dialer = role { return true }
        return false
    }

    /// The peer address (dialer) or "inbound" (acceptor), for logs.
    var label: String {
        switch role {
        case .dialer(let address): address.description
        case .acceptor: "inbound"
        }
    }

    // MARK: Sending

    /// Queues a one-way message or fails at once with `overloaded` if the queue is full.
    func trySend(_ frame: OutboundFrame) throws(TransportError) {
        try checkSize(frame)
        guard let effects = try enqueueWithoutWaiting(frame) else {
            throw state.withLock { overloaded($0) }
        }
        effects.run(on: self)
    }

    /// Queues `frame` if there is room and nobody waits ahead of it; nil if there is not.
    private func enqueueWithoutWaiting(_ frame: OutboundFrame) throws(TransportError) -> Effects? {
        let outcome = state.withLock { state -> Result<Effects?, TransportError> in
            if case .closed(let error) = state.phase { return .failure(error) }
            guard state.waiters.isEmpty, state.queue.append(frame) else { return .success(nil) }
            return .success(state.afterEnqueue())
        }
        return try outcome.get()
    }

    /// Queues a one-way message, waiting for room if the queue is full (up to
    /// `maxSuspendedSends` waiting senders; beyond that, `overloaded`).
    func send(_ frame: OutboundFrame) async throws {
        try checkSize(frame)
        if let effects = try enqueueWithoutWaiting(frame) {
            effects.run(on: self)  // The common case: room in the queue, no task suspension.
            return
        }
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let effects = state.withLock { state -> Effects in
                    var effects = Effects()
                    if case .closed(let error) = state.phase {
                        effects.failSends.append((continuation, error))
                    } else if state.waiters.isEmpty, state.queue.append(frame) {
                        effects = state.afterEnqueue()
                        effects.resumeSends.append(continuation)
                    } else if state.waiters.count >= shared.configuration.maxSuspendedSends {
                        effects.failSends.append((continuation, overloaded(state)))
                    } else {
                        state.waiters.append(Waiter(id: id, frame: frame, continuation: continuation))
                        effects = state.afterEnqueue()
                    }
                    return effects
                }
                effects.run(on: self)
                if Task.isCancelled { cancelWaiter(id) }
            }
        } onCancel: {
            cancelWaiter(id)
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: TransportError(.cancelled, "send to \(label) was cancelled"))
    }

    private func checkSize(_ frame: OutboundFrame) throws(TransportError) {
        let frameBytes = FrameLayout.headerBytes + frame.payload.count
        guard frameBytes <= shared.configuration.maxFrameBytes else {
            throw TransportError(
                .frameTooLarge, "a frame of \(frameBytes) bytes exceeds the limit of \(shared.configuration.maxFrameBytes)")
        }
    }

    private func overloaded(_ state: borrowing State) -> TransportError {
        TransportError(
            .overloaded,
            "send queue to \(label) is full (\(state.queue.count) frames, \(state.queue.byteCount) bytes, \(state.waiters.count) waiting)")
    }

    // MARK: Requests

    /// Sends a request and waits for its response, at most `timeout`.
    func request(_ payload: [UInt8], timeout: Duration) async throws -> WireEnvelope {
        let id = state.withLock { state in
            defer { state.nextCorrelationID += 1 }
            return state.nextCorrelationID
        }
        let frame = OutboundFrame(kind: .request, correlationID: id, payload: payload)
        try checkSize(frame)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<WireEnvelope, any Error>) in
                let effects = state.withLock { state -> Effects in
                    var effects = Effects()
                    if case .closed(let error) = state.phase {
                        effects.completeRequests.append((continuation, .failure(error)))
                    } else if state.pending.count >= shared.configuration.maxPendingRequests {
                        effects.completeRequests.append((continuation, .failure(TransportError(
                            .overloaded, "\(state.pending.count) requests to \(label) are already pending"))))
                    } else if !state.waiters.isEmpty || !state.queue.append(frame) {
                        effects.completeRequests.append((continuation, .failure(overloaded(state))))
                    } else {
                        let deadline = NIODeadline.now() + TimeAmount(timeout)
                        state.pending[id] = PendingRequest(continuation: continuation, deadline: deadline, timeout: timeout)
                        effects = state.afterEnqueue()
                        armTimeoutSweep(&state, for: deadline, into: &effects)
                    }
                    return effects
                }
                effects.run(on: self)
                if Task.isCancelled { expire(id, TransportError(.cancelled, "request to \(label) was cancelled")) }
            }
        } onCancel: {
            expire(id, TransportError(.cancelled, "request to \(label) was cancelled"))
        }
    }

    /// Makes sure the sweep timer fires no later than `deadline`.
    private func armTimeoutSweep(_ state: inout State, for deadline: NIODeadline, into effects: inout Effects) {
        if let sweep = state.timeoutSweep {
            guard deadline < sweep.deadline else { return }
            effects.cancelTimers.append(sweep.timer)
        }
        let timer = eventLoop.scheduleTask(deadline: deadline) { [self] in sweepTimeouts() }
        state.timeoutSweep = (timer, deadline)
    }

    /// Fails every request whose deadline has passed, and re-arms for the next deadline.
    private func sweepTimeouts() {
        let now = NIODeadline.now()
        let (expired, effects) = state.withLock { state -> ([(UInt64, PendingRequest, Bool)], Effects) in
            var effects = Effects()
            state.timeoutSweep = nil
            let due = state.pending.filter { $0.value.deadline <= now }
            let unsent = Set(state.queue.removeAll { $0.kind == .request && due[$0.correlationID] != nil }.map(\.correlationID))
            for id in due.keys { state.pending[id] = nil }
            if let next = state.pending.values.lazy.map(\.deadline).min() {
                armTimeoutSweep(&state, for: next, into: &effects)
            }
            return (due.map { ($0.key, $0.value, !unsent.contains($0.key)) }, effects)
        }
        effects.run(on: self)
        for (_, entry, written) in expired {
            let error = TransportError(.timeout, "no response from \(label) within \(entry.timeout)")
            entry.continuation.resume(throwing: written ? error.possiblyDelivered() : error)
        }
    }

    /// Fails a pending request (timeout or cancellation). If its frame was never written it
    /// is taken out of the queue and the error says it was not delivered.
    private func expire(_ id: UInt64, _ error: TransportError) {
        let expired = state.withLock { state -> (PendingRequest, Bool)? in
            guard let entry = state.pending.removeValue(forKey: id) else { return nil }
            let unsent = state.queue.removeAll { $0.kind == .request && $0.correlationID == id }
            return (entry, unsent.isEmpty)
        }
        guard let (entry, written) = expired else { return }
        entry.continuation.resume(throwing: written ? error.possiblyDelivered() : error)
    }

    /// Completes a pending request with a response or error frame.
    func complete(_ id: UInt64, with result: Result<WireEnvelope, TransportError>) {
        guard let entry = state.withLock({ $0.pending.removeValue(forKey: id) }) else {
            shared.logger.trace("late or unknown response", metadata: ["peer.address": "\(label)", "correlation.id": "\(id)"])
            return
        }
        entry.continuation.resume(with: result.mapError { $0 })
    }

    // MARK: Answering inbound requests

    /// Records an inbound request; false if the peer already has the maximum outstanding.
    func admitInboundRequest(_ id: UInt64) -> Bool {
        state.withLock { state in
            guard state.unansweredInbound.count < shared.configuration.maxInboundPendingRequests else { return false }
            return state.unansweredInbound.insert(id).inserted
        }
    }

    /// Queues the answer to inbound request `id` (once; later answers are ignored). Answers
    /// bypass the queue bounds: they are bounded by `maxInboundPendingRequests`.
    func answer(_ id: UInt64, with frame: OutboundFrame) {
        var frame = frame
        if FrameLayout.headerBytes + frame.payload.count > shared.configuration.maxFrameBytes {
            frame = .failure(RemoteFailure(code: "response_too_large", message: "the response exceeds maxFrameBytes"), correlationID: id)
        }
        let effects = state.withLock { state -> Effects in
            guard state.unansweredInbound.remove(id) != nil, case .ready = state.phase else { return Effects() }
            state.queue.appendUnbounded(frame)
            return state.afterEnqueue()
        }
        effects.run(on: self)
    }

    // MARK: Writing

    /// Writes queued frames to `channel` while it is writable, coalescing them into
    /// buffers of up to `maxWriteBatchBytes`, then flushes once. Runs on the event loop.
    func drain(_ channel: any Channel) {
        let maxBatchBytes = shared.configuration.maxWriteBatchBytes
        var wrote = false
        var resumed: [CheckedContinuation<Void, any Error>] = []
        for _ in 0..<PeerLink.maxBatchesPerDrain {
            let batch = state.withLock { state -> [OutboundFrame] in
                guard case .ready(let current, _) = state.phase, current === channel, channel.isWritable else {
                    state.drainScheduled = false
                    return []
                }
                let batch = state.queue.popBatch(maxBytes: maxBatchBytes)
                if batch.isEmpty { state.drainScheduled = false }
                resumed += state.admitWaiters()
                return batch
            }
            if batch.isEmpty { break }
            var buffer = channel.allocator.buffer(capacity: batch.reduce(0) { $0 + $1.wireBytes })
            for frame in batch { buffer.writeFrame(frame) }
            channel.write(buffer, promise: nil)
            wrote = true
        }
        if wrote { channel.flush() }
        for continuation in resumed { continuation.resume() }
        // Still more after maxBatchesPerDrain batches: let other channels on the loop write first.
        let more = state.withLock { $0.drainScheduled }
        if more { eventLoop.execute { [self] in drain(channel) } }
    }

    /// The channel became writable again: resume draining.
    func writabilityChanged(_ channel: any Channel) {
        let effects = state.withLock { state -> Effects in
            guard case .ready(let current, _) = state.phase, current === channel, channel.isWritable else { return Effects() }
            return state.scheduleDrain()
        }
        effects.run(on: self)
    }
}

extension PeerLink.State {
    /// After a frame was queued: start a drain if connected, a connection if idle.
    mutating func afterEnqueue() -> PeerLink.Effects {
        switch phase {
        case .ready:
            return scheduleDrain()
        case .idle:
            phase = .connecting
            var effects = PeerLink.Effects()
            effects.connect = true
            return effects
        case .connecting, .handshaking, .backingOff, .closed:
            return PeerLink.Effects()
        }
    }

    mutating func scheduleDrain() -> PeerLink.Effects {
        var effects = PeerLink.Effects()
        if case .ready(let channel, _) = phase, !drainScheduled {
            drainScheduled = true
            effects.drain = channel
        }
        return effects
    }

    /// Moves waiting senders' frames into the queue while there is room, in order.
    mutating func admitWaiters() -> [CheckedContinuation<Void, any Error>] {
        var admitted: [CheckedContinuation<Void, any Error>] = []
        while let waiter = waiters.first, queue.append(waiter.frame) {
            waiters.removeFirst()
            admitted.append(waiter.continuation)
        }
        return admitted
    }
}
