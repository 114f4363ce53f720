/// One write to a simulated disk: how it changes the durable state, and how it tears.
public protocol SimDiskWrite: Sendable {
    associatedtype State: Sendable
    /// Applies the write to `state`.
    func apply(to state: inout State)
    /// What reaches the disk when a crash interrupts this write: a prefix of it, or nil
    /// for nothing. The default tears nothing off: the write is lost whole.
    func torn(random: inout SimRandom) -> Self?
}

extension SimDiskWrite {
    public func torn(random: inout SimRandom) -> Self? { nil }
}

/// How a simulated disk loses data at a crash.
public struct DiskFaults: Sendable, Hashable {
    /// Probability that a crash keeps some unsynced writes (a random prefix of them, as if
    /// the page cache had flushed part of it) instead of losing them all.
    public var keepUnsyncedPrefixProbability: Double
    /// Probability that the first unsynced write not kept is torn (a prefix of it lands).
    public var tearProbability: Double

    public init(keepUnsyncedPrefixProbability: Double = 0.5, tearProbability: Double = 0.3) {
        self.keepUnsyncedPrefixProbability = keepUnsyncedPrefixProbability
        self.tearProbability = tearProbability
    }

    /// A crash loses exactly the unsynced writes.
    public static let loseUnsynced = DiskFaults(keepUnsyncedPrefixProbability: 0, tearProbability: 0)
}

/// A disk where writes are durable only once synced.
///
/// `write` queues a write; `sync` makes every queued write durable, in order. `crash`
/// throws away what was not synced, except that, as on a real disk, a prefix of the
/// unsynced writes may have landed anyway, and the next one may be torn. Writes land in
/// the order they were issued. At most `maxUnsyncedWrites` writes may wait for a sync.
public struct SimDisk<Write: SimDiskWrite>: Sendable {
    /// What survives a crash.
    public private(set) var durable: Write.State
    private var unsynced: [Write] = []
    public let faults: DiskFaults
    public let maxUnsyncedWrites: Int
    public private(set) var syncs = 0

    public init(initial: Write.State, faults: DiskFaults, maxUnsyncedWrites: Int = 10_000) {
        self.durable = initial
        self.faults = faults
        self.maxUnsyncedWrites = maxUnsyncedWrites
    }

    /// Queues `write`; it is durable after the next `sync`.
    public mutating func write(_ write: Write) {
        precondition(unsynced.count < maxUnsyncedWrites, "SimDisk: more than \(maxUnsyncedWrites) writes without a sync")
        unsynced.append(write)
    }

    /// Makes every queued write durable.
    public mutating func sync() {
        for write in unsynced { write.apply(to: &durable) }
        unsynced.removeAll(keepingCapacity: true)
        syncs += 1
    }

    /// The number of writes waiting for a sync.
    public var unsyncedCount: Int { unsynced.count }

    /// The state a reader would see now: durable state plus queued writes.
    public var current: Write.State {
        var state = durable
        for write in unsynced { write.apply(to: &state) }
        return state
    }

    /// Loses what was not synced (up to the fault model) and returns the surviving state.
    @discardableResult
    public mutating func crash(random: inout SimRandom) -> Write.State {
        var kept = 0
        if !unsynced.isEmpty && random.chance(faults.keepUnsyncedPrefixProbability) {
            kept = random.int(in: 0...unsynced.count)
        }
        for write in unsynced[..<kept] { write.apply(to: &durable) }
        if kept < unsynced.count, random.chance(faults.tearProbability), let part = unsynced[kept].torn(random: &random) {
            part.apply(to: &durable)
        }
        unsynced.removeAll()
        return durable
    }
}
