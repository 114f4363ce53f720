import KeelWire
import NIOCore
import NIOPosix

extension PeerLink {
    /// What a state transition asks to be done once the lock is released.
    struct Effects: Sendable {
        var resumeSends: [CheckedContinuation<Void, any Error>] = []
        var failSends: [(CheckedContinuation<Void, any Error>, TransportError)] = []
        var completeRequests: [(CheckedContinuation<WireEnvelope, any Error>, Result<WireEnvelope, TransportError>)] = []
        var cancelTimers: [Scheduled<Void>] = []
        var drain: (any Channel)?
        var connect = false
        var close: (any Channel)?
        var unregister = false

        func run(on link: PeerLink) {
            for timer in cancelTimers { timer.cancel() }
            for continuation in resumeSends { continuation.resume() }
            for (continuation, error) in failSends { continuation.resume(throwing: error) }
            for (continuation, result) in completeRequests { continuation.resume(with: result.mapError { $0 }) }
            if let drain { drain.eventLoop.execute { link.drain(drain) } }
            if connect { link.connect() }
            close?.close(promise: nil)
            if unregister { link.shared.unregister(link) }
        }
    }

    // MARK: Connecting (dialer)

    func connect() {
        guard case .dialer(let address) = role else { return }
        shared.logger.debug("connecting", metadata: ["peer.address": "\(address)"])
        shared.clientBootstrap(on: eventLoop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try PeerChannelHandler.install(on: channel, link: self) }
            }
            .connect(host: address.host, port: address.port)
            .whenFailure { [self] error in
                connectionLost(nil, error: TransportError(.unreachable, "cannot connect to \(address): \(error)"))
            }
    }

    /// The socket connected (dialer) or was accepted (acceptor); the handshake starts.
    /// False if the link has been shut down meanwhile: the caller closes the channel.
    func channelActive(_ channel: any Channel) -> Bool {
        state.withLock { state in
            switch state.phase {
            case .connecting:
                state.phase = .handshaking(channel)
                return true
            case .handshaking(let current):
                return current === channel
            case .idle, .ready, .backingOff, .closed:
                return false
            }
        }
    }

    /// Both hellos were exchanged: the connection carries traffic from now on.
    func handshakeCompleted(_ channel: any Channel, peer: PeerIdentity) -> Bool {
        let effects = state.withLock { state -> Effects? in
            guard case .handshaking(let current) = state.phase, current === channel else { return nil }
            state.phase = .ready(channel, peer)
            state.failedAttempts = 0
            return state.scheduleDrain()
        }
        effects?.run(on: self)
        return effects != nil
    }

    /// The connection (or the attempt to make one) ended with `error`.
    ///
    /// Requests already written fail (they may have been delivered). If the link never got
    /// to `ready`, everything queued fails too: the peer is unreachable, and holding frames
    /// for it would only make callers wait. A dialer then reconnects after its backoff if
    /// there is still something to send; an acceptor is done.
    func connectionLost(_ channel: (any Channel)?, error: TransportError) {
        let effects = state.withLock { state -> Effects in
            var effects = Effects()
            switch state.phase {
            case .ready(let current, _) where current === channel:
                state.failWrittenRequests(error, into: &effects)
                state.failedAttempts = 0
            case .handshaking(let current) where current === channel:
                state.failEverything(error, into: &effects)
                state.failedAttempts += 1
            case .connecting where channel == nil:
                state.failEverything(error, into: &effects)
                state.failedAttempts += 1
            default:
                return effects  // A stale notice about an earlier channel, or already closed.
            }
            state.drainScheduled = false
            state.unansweredInbound = []
            if isDialer {
                scheduleReconnect(&state, into: &effects)
            } else {
                state.phase = .closed(error)
                state.failEverything(error, into: &effects)
                effects.unregister = true
            }
            return effects
        }
        effects.run(on: self)
    }

    /// After a working connection broke: reconnect at once if anything is queued. After a
    /// failed attempt: wait out the backoff even if nothing is queued, so that a stream of
    /// sends to a down peer makes one attempt per backoff period, not one per send.
    private func scheduleReconnect(_ state: inout State, into effects: inout Effects) {
        if state.failedAttempts == 0 {
            if state.queue.isEmpty && state.waiters.isEmpty {
                state.phase = .idle
            } else {
                state.phase = .connecting
                effects.connect = true
            }
            return
        }
        var random = SystemRandomNumberGenerator()
        let delay = shared.configuration.reconnectBackoff.delay(afterFailures: state.failedAttempts, using: &random)
        state.phase = .backingOff(eventLoop.scheduleTask(in: TimeAmount(delay)) { [self] in backoffElapsed() })
    }

    private func backoffElapsed() {
        let effects = state.withLock { state -> Effects in
            var effects = Effects()
            guard case .backingOff = state.phase else { return effects }
            if state.queue.isEmpty && state.waiters.isEmpty {
                state.phase = .idle
            } else {
                state.phase = .connecting
                effects.connect = true
            }
            return effects
        }
        effects.run(on: self)
    }

    // MARK: Shutting down

    /// Closes the link for good: every waiting sender and pending request fails with
    /// `error`, queued frames are dropped, the connection closes.
    func shutdown(_ error: TransportError) -> EventLoopFuture<Void> {
        let (effects, channel) = state.withLock { state -> (Effects, (any Channel)?) in
            var effects = Effects()
            var channel: (any Channel)?
            switch state.phase {
            case .handshaking(let current), .ready(let current, _): channel = current
            case .backingOff(let timer): effects.cancelTimers.append(timer)
            case .idle, .connecting, .closed: break
            }
            if let sweep = state.timeoutSweep { effects.cancelTimers.append(sweep.timer) }
            state.timeoutSweep = nil
            state.phase = .closed(error)
            state.failEverything(error, into: &effects)
            effects.unregister = !isDialer
            return (effects, channel)
        }
        effects.run(on: self)
        guard let channel else { return eventLoop.makeSucceededVoidFuture() }
        return channel.close().recover { _ in }
    }
}

extension PeerLink.State {
    /// Fails requests whose frames were written (not in the queue any more): they may have
    /// reached the peer, which may even have acted on them.
    mutating func failWrittenRequests(_ error: TransportError, into effects: inout PeerLink.Effects) {
        let queued = queue.queuedRequestIDs
        for (id, entry) in pending where !queued.contains(id) {
            pending[id] = nil
            effects.completeRequests.append((entry.continuation, .failure(error.possiblyDelivered())))
        }
    }

    /// Fails every pending request and waiting sender, and drops the queue.
    mutating func failEverything(_ error: TransportError, into effects: inout PeerLink.Effects) {
        failWrittenRequests(error, into: &effects)
        for (_, entry) in pending {
            effects.completeRequests.append((entry.continuation, .failure(error)))
        }
        pending = [:]
        for waiter in waiters { effects.failSends.append((waiter.continuation, error)) }
        waiters.removeAll()
        _ = queue.removeAll { _ in true }
    }
}
