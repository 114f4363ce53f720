import NIOCore
import Synchronization

/// The stream of everything peers send this node, across all connections, with back-pressure.
///
/// Iterate it once, from one task (a second iterator is a programming error). While more
/// than `inboundBufferHighWatermark` events wait, the connections delivering them stop
/// reading from their sockets, so TCP pushes back on the senders, whose send queues then
/// fill and report `overloaded`; reading resumes below `inboundBufferLowWatermark`.
/// The stream ends after `PeerTransport.shutdown()`.
public struct InboundEvents: AsyncSequence, Sendable {
    public typealias Element = InboundEvent
    public typealias Failure = Never

    typealias Producer = NIOAsyncSequenceProducer<
        InboundEvent, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, InboundGate.Delegate
    >
    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator
        public mutating func next() async -> InboundEvent? { await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: producer.makeAsyncIterator()) }
}

/// Connects the connections' event loops to the `InboundEvents` consumer: it hands events
/// to the stream and stops and restarts reading on the channels that feed it.
final class InboundGate: Sendable {
    /// Receives the stream's demand signals.
    final class Delegate: NIOAsyncSequenceProducerDelegate {
        let state = Mutex(State())

        func produceMore() {
            for channel in state.withLock({ $0.takePaused() }) { channel.resumeReading() }
        }

        func didTerminate() {
            let paused = state.withLock { state in
                state.terminated = true
                return state.takePaused()
            }
            for channel in paused { channel.resumeReading() }
        }
    }

    struct State {
        var paused: [any Channel] = []
        var terminated = false

        mutating func takePaused() -> [any Channel] {
            defer { paused = [] }
            return paused
        }
    }

    enum Outcome {
        /// Delivered; keep reading.
        case delivered
        /// Delivered; the caller must stop reading from its channel until told to resume.
        case deliveredPause
        /// The stream has ended: nobody will see these events.
        case dropped
    }

    private let delegate: Delegate
    private let source: InboundEvents.Producer.Source
    let events: InboundEvents

    init(lowWatermark: Int, highWatermark: Int) {
        let delegate = Delegate()
        let made = InboundEvents.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: lowWatermark, highWatermark: highWatermark),
            finishOnDeinit: false,
            delegate: delegate)
        self.delegate = delegate
        self.source = made.source
        self.events = InboundEvents(producer: made.sequence)
    }

    /// Hands `batch` (read from `channel`) to the consumer. Yielding and recording a pause
    /// happen under one lock, so a `produceMore` cannot slip in between and be missed.
    func deliver(_ batch: [InboundEvent], from channel: any Channel) -> Outcome {
        delegate.state.withLock { state in
            if state.terminated { return .dropped }
            switch source.yield(contentsOf: batch) {
            case .produceMore:
                return .delivered
            case .stopProducing:
                state.paused.append(channel)
                return .deliveredPause
            case .dropped:
                state.terminated = true
                return .dropped
            }
        }
    }

    /// Ends the stream once the consumer has taken what is buffered.
    func finish() { source.finish() }
}

extension Channel {
    /// Stops reading from the socket (call on the channel's event loop).
    func pauseReading() {
        try? syncOptions?.setOption(ChannelOptions.autoRead, value: false)
    }

    /// Resumes reading (from any thread).
    func resumeReading() {
        setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    }
}
