import KeelSimulation
import Testing

@Suite struct SimClockTests {
    @Test func driftStaysWithinItsBoundAndDiffersBetweenNodes() {
        let settings = SimClock.Settings(tickNanoseconds: 1_000_000, maxDriftFraction: 0.05, maxJitterFraction: 0)
        var random = SimRandom(seed: 1)
        let periods = (0..<50).map { _ in SimClock(settings: settings, startAt: 0, random: &random).periodNanoseconds }
        #expect(periods.allSatisfy { (950_000...1_050_000).contains($0) })
        #expect(Set(periods).count > 40)
    }

    @Test func ticksAdvanceByThePeriodAndCountMissedOnes() {
        let settings = SimClock.Settings(tickNanoseconds: 100, maxDriftFraction: 0, maxJitterFraction: 0.1)
        var random = SimRandom(seed: 2)
        var clock = SimClock(settings: settings, startAt: 1_000, random: &random)
        let first = clock.nextTickAt
        #expect((1_000...1_100).contains(first))
        #expect((first...(first + 10)).contains(clock.deliveryTime(random: &random)))
        clock.advance()
        #expect(clock.nextTickAt == first + 100 && clock.ticks == 1)
        #expect(clock.ticksDue(by: first + 99) == 0)
        #expect(clock.ticksDue(by: first + 100) == 1)
        #expect(clock.ticksDue(by: first + 450) == 4)
    }
}
