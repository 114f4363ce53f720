/// A simulated network between endpoints, generic over the message type so that the Raft
/// simulation and the data-plane simulation share it.
///
/// `send` decides a message's fate at once from the network's own random stream: lost,
/// or delivered once or twice after a delay drawn from `NetworkFaults` (occasionally much
/// longer, which reorders). Links can be cut one way (`cut(from:to:)`), both ways
/// (`partition`, `isolate`) and healed; a cut link drops messages both when they are sent
/// and when they would arrive, so a partition also swallows what was in flight. At most
/// `maxInFlightMessages` messages are in flight; more are dropped, as a full buffer would.
public struct SimNetwork<Endpoint: Hashable & Comparable & Sendable, Message: Sendable>: Sendable {
    /// A message on its way.
    public struct Envelope: Sendable {
        public var from: Endpoint
        public var to: Endpoint
        public var message: Message
        public var sentAt: UInt64
    }

    private struct Link: Hashable, Sendable {
        var from: Endpoint
        var to: Endpoint
    }

    public var faults: NetworkFaults
    public let maxInFlightMessages: Int
    public private(set) var statistics = NetworkStatistics()
    private var random: SimRandom
    private var inFlight: EventQueue<Envelope>
    private var blocked: Set<Link> = []

    public init(faults: NetworkFaults, random: SimRandom, maxInFlightMessages: Int = 100_000) {
        self.faults = faults
        self.random = random
        self.maxInFlightMessages = maxInFlightMessages
        self.inFlight = EventQueue(capacity: maxInFlightMessages)
    }

    // MARK: Sending and delivering

    /// Sends `message` at `now`.
    public mutating func send(_ message: Message, from: Endpoint, to: Endpoint, at now: UInt64) {
        statistics.sent += 1
        guard canReach(from: from, to: to) else {
            statistics.droppedByPartition += 1
            return
        }
        if random.chance(faults.lossProbability) {
            statistics.lost += 1
            return
        }
        let copies = random.chance(faults.duplicateProbability) ? 2 : 1
        if copies == 2 { statistics.duplicated += 1 }
        for _ in 0..<copies {
            guard inFlight.count < maxInFlightMessages else {
                statistics.droppedByOverflow += 1
                continue
            }
            inFlight.schedule(Envelope(from: from, to: to, message: message, sentAt: now), at: now + delay())
        }
    }

    private mutating func delay() -> UInt64 {
        var delay = random.uint64(in: faults.minDelayNanoseconds...max(faults.minDelayNanoseconds, faults.maxDelayNanoseconds))
        if random.chance(faults.reorderProbability) {
            statistics.reordered += 1
            delay += random.uint64(in: 0...faults.maxReorderDelayNanoseconds)
        }
        return delay
    }

    /// When the next message arrives, or nil when none is in flight.
    public var nextDeliveryTime: UInt64? { inFlight.nextTime }

    /// The number of messages in flight.
    public var inFlightCount: Int { inFlight.count }

    /// Takes the next arriving message, with its arrival time. A message whose link was cut
    /// while it was in flight is dropped and the next one is returned instead.
    public mutating func deliverNext() -> (time: UInt64, envelope: Envelope)? {
        while let (time, envelope) = inFlight.popNext() {
            guard canReach(from: envelope.from, to: envelope.to) else {
                statistics.droppedByPartition += 1
                continue
            }
            statistics.delivered += 1
            return (time, envelope)
        }
        return nil
    }

    /// Drops every message in flight to or from `endpoint` (a crashed process's sockets).
    public mutating func dropInFlight(involving endpoint: Endpoint) {
        inFlight.removeAll { $0.from == endpoint || $0.to == endpoint }
    }

    // MARK: Partitions

    /// Whether a message from `from` to `to` would get through now.
    public func canReach(from: Endpoint, to: Endpoint) -> Bool {
        blocked.isEmpty || !blocked.contains(Link(from: from, to: to))
    }

    /// Blocks messages from `from` to `to` (one way).
    public mutating func cut(from: Endpoint, to: Endpoint) {
        blocked.insert(Link(from: from, to: to))
    }

    /// Blocks both directions between `a` and `b`.
    public mutating func disconnect(_ a: Endpoint, _ b: Endpoint) {
        cut(from: a, to: b)
        cut(from: b, to: a)
    }

    /// Splits `endpoints` into `groups`: endpoints in different groups cannot talk either way.
    /// Endpoints not in any group keep their links.
    public mutating func partition(_ groups: [[Endpoint]]) {
        for (index, group) in groups.enumerated() {
            for other in groups[(index + 1)...] {
                for a in group {
                    for b in other { disconnect(a, b) }
                }
            }
        }
    }

    /// Cuts `endpoint` off from every one of `others`, both ways.
    public mutating func isolate(_ endpoint: Endpoint, from others: [Endpoint]) {
        for other in others where other != endpoint { disconnect(endpoint, other) }
    }

    /// Restores every link.
    public mutating func heal() {
        blocked.removeAll()
    }

    /// Whether any link is cut.
    public var isPartitioned: Bool { !blocked.isEmpty }
}

/// What happened to a simulated network's messages so far.
public struct NetworkStatistics: Sendable, Hashable {
    public var sent = 0
    public var delivered = 0
    public var lost = 0
    public var duplicated = 0
    /// Copies held back so that later messages may overtake them.
    public var reordered = 0
    public var droppedByPartition = 0
    public var droppedByOverflow = 0

    public init() {}
}
