import KeelSimulation
import Testing

/// A log of integers: appends that can tear after any element.
struct AppendInts: SimDiskWrite {
    var values: [Int]
    func apply(to state: inout [Int]) { state += values }
    func torn(random: inout SimRandom) -> AppendInts? {
        values.count > 1 ? AppendInts(values: Array(values.prefix(random.int(in: 1...(values.count - 1))))) : nil
    }
}

@Suite struct SimDiskTests {
    @Test func syncedWritesSurviveACrashAndUnsyncedOnesDoNot() {
        var disk = SimDisk<AppendInts>(initial: [], faults: .loseUnsynced)
        var random = SimRandom(seed: 1)
        disk.write(AppendInts(values: [1, 2]))
        disk.sync()
        disk.write(AppendInts(values: [3]))
        #expect(disk.current == [1, 2, 3])
        #expect(disk.durable == [1, 2])
        #expect(disk.crash(random: &random) == [1, 2])
        #expect(disk.unsyncedCount == 0)
    }

    @Test func aCrashMayKeepAPrefixOfUnsyncedWritesAndTearTheNext() {
        var outcomes = Set<[Int]>()
        for seed in 0..<200 {
            var disk = SimDisk<AppendInts>(initial: [0], faults: DiskFaults(keepUnsyncedPrefixProbability: 0.5, tearProbability: 0.5))
            var random = SimRandom(seed: UInt64(seed))
            disk.write(AppendInts(values: [1]))
            disk.write(AppendInts(values: [2, 3, 4]))
            disk.write(AppendInts(values: [5]))
            outcomes.insert(disk.crash(random: &random))
        }
        // Only prefixes of the write order, never a later write without an earlier one.
        let possible: Set<[Int]> = [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5]]
        #expect(outcomes.isSubset(of: possible))
        #expect(outcomes.contains([0]) && outcomes.contains([0, 1, 2]), "losing everything and tearing both happen")
        #expect(outcomes.contains([0, 1, 2, 3, 4, 5]), "keeping every unsynced write happens too")
    }
}
