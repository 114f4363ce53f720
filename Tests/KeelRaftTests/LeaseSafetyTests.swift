@_spi(Testing) @testable import KeelRaft
import Testing

/// Lease reads are safe when clocks drift less than the margin allows: a timed network
/// where each node ticks at its own rate, messages take random time, and partitions
/// come and go. After every event: while a leader believes its lease is valid, no other
/// node may lead in a later term (it could commit writes the lease read would miss).
@Suite struct LeaseSafetyTests {
    @Test(arguments: Array(UInt64(1)...12))
    func noNewerLeaderWhileALeaseIsValid(seed: UInt64) {
        var world = TimedWorld(seed: seed, voters: 3, driftPercent: 8) { _ in }
        world.run(until: 200_000)
        #expect(world.leaseViolations.isEmpty, "seed \(seed): \(world.leaseViolations.prefix(2))")
        #expect(world.leaseReadsServed > 0, "seed \(seed): leases were exercised")
        #expect(world.leaderChanges > 0, "seed \(seed): leadership changed hands")
    }

    #if DEBUG
    @Test func leaseWithoutCheckQuorumIsCaught() {
        let caught = (UInt64(1)...12).contains { seed in
            var world = TimedWorld(seed: seed, voters: 3, driftPercent: 8) { config in
                config.checkQuorum = false
                config.injectedBugs = [.leaseReadWithoutCheckQuorum]
            }
            world.run(until: 200_000)
            return !world.leaseViolations.isEmpty
        }
        #expect(caught)
    }
    #endif
}

/// A small timed world: nodes tick every `period` time units (periods differ by up to
/// `driftPercent`), messages arrive after 1 to 40 units, links are cut and healed.
struct TimedWorld {
    var network: TestNetwork
    var random: SplitMix64
    var periods: [RaftNodeID: UInt64] = [:]
    var nextTick: [RaftNodeID: UInt64] = [:]
    var inFlight: [(at: UInt64, message: RaftMessage)] = []
    var now: UInt64 = 0
    var nextFault: UInt64 = 3_000
    var leaseViolations: [String] = []
    var leaseReadsServed = 0
    var leaderChanges = 0
    var lastLeader: RaftNodeID?

    init(seed: UInt64, voters: Int, driftPercent: UInt64, configure: (inout RaftConfig) -> Void) {
        network = TestNetwork(voters: voters, configure: configure)
        random = SplitMix64(seed: seed)
        for id in network.ids {
            let period = 100 - driftPercent / 2 + UInt64(random.next(below: Int(driftPercent) + 1))
            periods[id] = period
            nextTick[id] = UInt64(random.next(below: Int(period)))
        }
    }

    mutating func run(until end: UInt64) {
        while now < end {
            let tickAt = nextTick.values.min()!
            let messageAt = inFlight.map(\.at).min() ?? UInt64.max
            now = min(tickAt, messageAt, nextFault)
            if now == nextFault {
                fault()
            } else if now == messageAt {
                let position = inFlight.firstIndex { $0.at == messageAt }!
                let message = inFlight.remove(at: position).message
                if !network.cutLinks.contains(.init(from: message.from, to: message.to)) {
                    network.step(message.to, .message(message))
                }
            } else {
                let id = nextTick.first { $0.value == tickAt }!.key
                nextTick[id] = tickAt + periods[id]!
                network.step(id, .tick)
                if network[id].raft.currentRole == .leader && random.next(below: 3) == 0 {
                    let output = network.step(id, .read(ReadRequestID(now), .lease))
                    leaseReadsServed += output.readStates.filter { $0.mode == .lease }.count
                }
            }
            for message in network.queue {
                inFlight.append((at: now + 1 + UInt64(random.next(below: 40)), message: message))
            }
            network.queue.removeAll()
            check()
        }
    }

    /// Every ~3000 units: heal, or isolate one node, or cut one direction of one link.
    private mutating func fault() {
        nextFault = now + 1_500 + UInt64(random.next(below: 3_000))
        let ids = network.ids
        network.heal()
        switch random.next(below: 3) {
        case 0: break
        case 1: network.isolate(ids[random.next(below: ids.count)])
        default:
            let from = ids[random.next(below: ids.count)]
            let to = ids[random.next(below: ids.count)]
            if from != to { network.cutOneWay(from: from, to: to) }
        }
    }

    private mutating func check() {
        let leaders = network.leaders
        if let leader = leaders.max(by: { network[$0].raft.currentTerm < network[$1].raft.currentTerm }), leader != lastLeader {
            leaderChanges += lastLeader == nil ? 0 : 1
            lastLeader = leader
        }
        for leader in leaders {
            var view = network[leader].raft!
            guard view.leaseIsValid() else { continue }
            let term = view.currentTerm
            for other in network.ids where other != leader {
                let node = network[other].raft!
                if node.currentRole == .leader && node.currentTerm > term {
                    leaseViolations.append("at \(now): \(leader) holds a lease in \(term) while \(other) leads \(node.currentTerm)")
                }
            }
        }
    }
}
