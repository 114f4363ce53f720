import KeelSimulation
import Testing

/// Randomized histories from a sequential model must pass; the same histories with one
/// read corrupted must fail, on the key of the corrupted read.
@Suite struct RandomHistoryTests {
    static let seeds: [UInt64] = Array(1...200)

    @Test(arguments: seeds)
    func generatedHistoriesAreLinearizable(seed: UInt64) {
        let history = RandomKVHistory(seed: seed)
        #expect(LinearizabilityChecker(model: KV()).check(history.operations).isLinearizable, "seed \(seed)")
    }

    @Test(arguments: seeds)
    func sequenceNumberOrHiddenVersionsPassUnderTheIncreasingModel(seed: UInt64) {
        var shape = RandomKVHistory.Shape()
        shape.logSequenceVersions = true
        shape.hiddenVersionProbability = 0.3
        let history = RandomKVHistory(seed: seed, shape: shape)
        let result = LinearizabilityChecker(model: KV(versioning: .increasing)).check(history.operations)
        #expect(result.isLinearizable, "seed \(seed)")
    }

    @Test(arguments: seeds)
    func readOfAnUnwrittenValueIsCaught(seed: UInt64) throws {
        var history = RandomKVHistory(seed: seed)
        var random = SimRandom(seed: seed).derive(stream: 1)
        let picked = random.pick(history.completedReads)
        let read = try #require(picked)
        history.corruptWithUnwrittenValue(read: read)
        let violation = try #require(LinearizabilityChecker(model: KV()).check(history.operations).violation, "seed \(seed)")
        #expect(violation.key == history.operations[read].key)
        // The corrupted read is the first result that breaks linearizability (other
        // operations may have returned at the same instant).
        #expect(violation.culprits.contains { $0.id == read })
    }

    @Test func staleReadsAreCaught() throws {
        var corrupted = 0
        for seed in Self.seeds {
            var history = RandomKVHistory(seed: seed)
            var random = SimRandom(seed: seed).derive(stream: 2)
            guard let read = history.corruptWithStaleValue(random: &random) else { continue }
            corrupted += 1
            let violation = try #require(
                LinearizabilityChecker(model: KV()).check(history.operations).violation, "seed \(seed)")
            #expect(violation.key == history.operations[read].key)
            #expect(violation.culprits.contains { $0.id == read })
        }
        // Most seeds have a read after two sequential writes; make sure the test did work.
        #expect(corrupted > Self.seeds.count / 2)
    }
}
