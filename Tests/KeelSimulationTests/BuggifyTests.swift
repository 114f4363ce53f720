import KeelSimulation
import Testing

@Suite struct BuggifyTests {
    @Test func disabledNeverFires() {
        var buggify = Buggify(settings: .disabled, random: SimRandom(seed: 1))
        #expect((0..<1_000).allSatisfy { _ in !buggify("site") })
    }

    @Test func aSiteIsActiveForAWholeRunOrNotAtAll() {
        var activeRuns = 0
        for seed in 0..<200 {
            var buggify = Buggify(settings: .init(siteActivationProbability: 0.25, fireProbability: 0.5), random: SimRandom(seed: UInt64(seed)))
            let fired = (0..<40).filter { _ in buggify("rare path") }.count
            if fired > 0 { activeRuns += 1 }
            #expect(fired == 0 || fired > 5, "an active site fires often, an inactive one never")
        }
        #expect((25...75).contains(activeRuns))
    }

    @Test func activationDoesNotDependOnTheOrderSitesAreSeen() {
        for seed in 0..<50 {
            let settings = Buggify.Settings(siteActivationProbability: 0.5, fireProbability: 1)
            var ab = Buggify(settings: settings, random: SimRandom(seed: UInt64(seed)))
            var ba = Buggify(settings: settings, random: SimRandom(seed: UInt64(seed)))
            let aFirst = (ab("a"), ab("b"))
            let bFirst = (ba("b"), ba("a"))
            #expect(aFirst.0 == bFirst.1 && aFirst.1 == bFirst.0)
        }
    }
}
