import KeelSimulation
import Testing

@Suite struct SimNetworkTests {
    typealias Network = SimNetwork<Int, String>

    static func drain(_ network: inout Network) -> [(time: UInt64, from: Int, to: Int, message: String)] {
        var delivered: [(UInt64, Int, Int, String)] = []
        while let (time, envelope) = network.deliverNext() { delivered.append((time, envelope.from, envelope.to, envelope.message)) }
        return delivered
    }

    @Test func reliableNetworkDeliversEverythingOnceWithinTheDelayRange() {
        var network = Network(faults: NetworkFaults(minDelayNanoseconds: 5, maxDelayNanoseconds: 9), random: SimRandom(seed: 1))
        for i in 0..<100 { network.send("m\(i)", from: 1, to: 2, at: 1_000) }
        let delivered = Self.drain(&network)
        #expect(delivered.count == 100)
        #expect(delivered.allSatisfy { (1_005...1_009).contains($0.time) })
        #expect(Set(delivered.map(\.message)).count == 100)
        #expect(network.statistics.delivered == 100)
    }

    @Test func lossDuplicationAndReorderingHappenAtTheirRates() {
        let faults = NetworkFaults(
            minDelayNanoseconds: 10, maxDelayNanoseconds: 10, lossProbability: 0.2, duplicateProbability: 0.1,
            reorderProbability: 0.3, maxReorderDelayNanoseconds: 1_000)
        var network = Network(faults: faults, random: SimRandom(seed: 2))
        for i in 0..<2_000 { network.send("\(i)", from: 1, to: 2, at: UInt64(i)) }
        let delivered = Self.drain(&network)
        #expect((300...500).contains(network.statistics.lost))
        #expect((100...220).contains(network.statistics.duplicated))
        #expect(delivered.count == 2_000 - network.statistics.lost + network.statistics.duplicated)
        let order = delivered.map { Int($0.message)! }
        #expect(order != order.sorted(), "reordering must let later messages overtake earlier ones")
    }

    @Test func partitionsCutBothWaysAndOneWayCutsOneWay() {
        var network = Network(faults: .reliable, random: SimRandom(seed: 3))
        network.partition([[1, 2], [3]])
        network.cut(from: 1, to: 2)
        #expect(!network.canReach(from: 1, to: 3) && !network.canReach(from: 3, to: 1))
        #expect(!network.canReach(from: 1, to: 2) && network.canReach(from: 2, to: 1))
        for (from, to) in [(1, 3), (3, 1), (1, 2), (2, 1), (3, 3)] { network.send("\(from)>\(to)", from: from, to: to, at: 0) }
        #expect(Self.drain(&network).map(\.message).sorted() == ["2>1", "3>3"])
        network.heal()
        #expect(network.canReach(from: 1, to: 3) && !network.isPartitioned)
    }

    @Test func aPartitionSwallowsMessagesAlreadyInFlight() {
        var network = Network(faults: .reliable, random: SimRandom(seed: 4))
        network.send("late", from: 1, to: 2, at: 0)
        network.isolate(2, from: [1, 2, 3])
        #expect(Self.drain(&network).isEmpty)
        #expect(network.statistics.droppedByPartition == 1)
    }

    @Test func aFullNetworkDropsWhatDoesNotFit() {
        var network = Network(faults: .reliable, random: SimRandom(seed: 5), maxInFlightMessages: 10)
        for i in 0..<15 { network.send("\(i)", from: 1, to: 2, at: 0) }
        #expect(network.inFlightCount == 10)
        #expect(network.statistics.droppedByOverflow == 5)
    }

    @Test func sameSeedSameDeliveries() {
        func run() -> [String] {
            let faults = NetworkFaults(lossProbability: 0.1, duplicateProbability: 0.1, reorderProbability: 0.2)
            var network = Network(faults: faults, random: SimRandom(seed: 6))
            for i in 0..<300 { network.send("\(i)", from: i % 3, to: (i + 1) % 3, at: UInt64(i) * 100_000) }
            return Self.drain(&network).map { "\($0.time):\($0.message)" }
        }
        #expect(run() == run())
    }
}
