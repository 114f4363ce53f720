import Synchronization

/// The data node loop's inbox: an urgent lane that is always served first (ticks,
/// heartbeat answers, log syncs, map changes) and a bounded lane for peer traffic.
///
/// Why two lanes: under a flood of client writes, a single FIFO would hold a heartbeat
/// answer behind seconds of requests, and the primary would lose its lease while it is
/// busiest. Why bounded: a producer of peer traffic waits for room (`pushWaiting`), which
/// stops the transport reading its sockets, so back-pressure reaches the senders instead
/// of memory growing without limit.
final class EventQueue<Event: Sendable>: Sendable {
    private struct State {
        var urgent: [Event] = []
        var urgentHead = 0
        var normal: [Event] = []
        var normalHead = 0
        /// Urgent events served in a row while normal ones waited (fairness, below).
        var urgentStreak = 0
        var consumer: CheckedContinuation<Event?, Never>?
        var producers: [CheckedContinuation<Void, Never>] = []
        var closed = false

        var normalCount: Int { normal.count - normalHead }

        mutating func takeNext() -> Event? {
            // Urgent first, but never more than 32 in a row while peer traffic waits: a
            // stream of urgent events (a slow machine, many shards) must not starve it.
            let normalWaiting = normalHead < normal.count
            if urgentHead < urgent.count, !(normalWaiting && urgentStreak >= 32) {
                urgentStreak = normalWaiting ? urgentStreak + 1 : 0
                defer {
                    urgentHead += 1
                    if urgentHead == urgent.count { urgent.removeAll(keepingCapacity: true); urgentHead = 0 }
                }
                return urgent[urgentHead]
            }
            if normalHead < normal.count {
                urgentStreak = 0
                defer {
                    normalHead += 1
                    if normalHead == normal.count { normal.removeAll(keepingCapacity: true); normalHead = 0 }
                }
                return normal[normalHead]
            }
            return nil
        }
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Queues an urgent event (never waits, never dropped).
    func pushUrgent(_ event: Event) {
        let consumer = state.withLock { state -> CheckedContinuation<Event?, Never>? in
            guard !state.closed else { return nil }
            if let consumer = state.consumer {
                state.consumer = nil
                return consumer
            }
            state.urgent.append(event)
            return nil
        }
        consumer?.resume(returning: event)
    }

    private enum Step { case deliver(CheckedContinuation<Event?, Never>), queued, full, closed }

    /// Queues a normal event, waiting while the lane is full.
    func pushWaiting(_ event: Event) async {
        while true {
            let step = state.withLock { state -> Step in
                if state.closed { return .closed }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return .deliver(consumer)
                }
                guard state.normalCount < capacity else { return .full }
                state.normal.append(event)
                return .queued
            }
            switch step {
            case .deliver(let consumer):
                consumer.resume(returning: event)
                return
            case .queued, .closed:
                return
            case .full:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        guard state.normalCount >= capacity, !state.closed else { return true }
                        state.producers.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Whether no event waits right now (the loop uses it to flush what it batched).
    var isEmpty: Bool { state.withLock { $0.urgent.count == $0.urgentHead && $0.normalCount == 0 } }

    /// The next event, urgent ones first; nil once closed and drained.
    func next() async -> Event? {
        if let event = takeReleasingProducer() { return event }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Event?, Never>) in
            let ready = state.withLock { state -> (Event?, Bool) in
                if let event = state.takeNext() { return (event, true) }
                if state.closed { return (nil, true) }
                state.consumer = continuation
                return (nil, false)
            }
            if ready.1 { continuation.resume(returning: ready.0) }
        }
    }

    private func takeReleasingProducer() -> Event? {
        let (event, producer) = state.withLock { state -> (Event?, CheckedContinuation<Void, Never>?) in
            let event = state.takeNext()
            let producer = state.normalCount < capacity && !state.producers.isEmpty ? state.producers.removeFirst() : nil
            return (event, producer)
        }
        producer?.resume()
        return event
    }

    /// Stops the queue: the consumer gets nil, waiting producers return.
    func close() {
        let (consumer, producers) = state.withLock { state -> (CheckedContinuation<Event?, Never>?, [CheckedContinuation<Void, Never>]) in
            state.closed = true
            defer {
                state.consumer = nil
                state.producers = []
            }
            return (state.consumer, state.producers)
        }
        consumer?.resume(returning: nil)
        producers.forEach { $0.resume() }
    }
}
