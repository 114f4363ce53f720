import KeelSimulation
import Testing

/// Hand-made histories whose verdict is known, one anomaly per test.
@Suite struct LinearizabilityCheckerTests {
    @Test func sequentialHistoryIsLinearizable() {
        var h = KVHistoryBuilder()
        h.add(.get, .notFound, 0, 1)
        h.add(.put("a"), .written(version: 1), 2, 3)
        h.add(.get, .found("a", version: 1), 4, 5)
        h.add(.put("b"), .written(version: 2), 6, 7)
        h.add(.delete(), .written(version: 3), 8, 9)
        h.add(.get, .notFound, 10, 11)
        h.add(.put("c", ifVersion: 0), .written(version: 4), 12, 13)
        #expect(h.check().isLinearizable)
    }

    @Test(arguments: [KV.Output.found("a", version: 1), .notFound])
    func readConcurrentWithWriteMaySeeEitherValue(output: KV.Output) {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 10)
        h.add(client: 1, .get, output, 2, 5)
        #expect(h.check().isLinearizable)
    }

    @Test func staleReadIsCaughtWithTheOperationsThatExplainIt() throws {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: nil), 0, 1)
        h.add(client: 1, .put("b"), .written(version: nil), 2, 3)
        h.add(client: 3, .get, .found("b", version: nil), 4, 5)
        h.add(client: 2, .get, .found("a", version: nil), 6, 7)
        let violation = try #require(h.check().violation)
        #expect(violation.key == "k")
        // The earlier fresh read is not needed to explain the stale one.
        #expect(violation.operations.map(\.id) == [0, 1, 3])
        #expect(violation.description.contains("get -> a"))
    }

    @Test func versionsShrinkTheExplanationOfAStaleRead() throws {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.add(client: 1, .put("b"), .written(version: 2), 2, 3)
        h.add(client: 2, .get, .found("a", version: 1), 6, 7)
        // Version 2 proves a write came before `put(b)`, so the read of v1 after it
        // contradicts `put(b)` alone.
        let violation = try #require(h.check().violation)
        #expect(violation.operations.map(\.id) == [1, 2])
    }

    @Test func lostWriteIsCaught() throws {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.add(client: 1, .get, .notFound, 2, 3)
        let violation = try #require(h.check().violation)
        #expect(violation.operations.map(\.id) == [0, 1])
    }

    @Test func readOfAValueNeverWrittenIsCaught() {
        var h = KVHistoryBuilder()
        h.add(.put("a"), .written(version: 1), 0, 1)
        h.add(.get, .found("z", version: 1), 2, 3)
        #expect(h.check().violation != nil)
    }

    @Test func readsMustNotGoBackInTime() throws {
        // Two concurrent writes: readers may order them either way, but not both ways.
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: nil), 0, 10)
        h.add(client: 1, .put("b"), .written(version: nil), 0, 10)
        h.add(client: 2, .get, .found("a", version: nil), 11, 12)
        h.add(client: 3, .get, .found("b", version: nil), 13, 14)
        h.add(client: 2, .get, .found("a", version: nil), 15, 16)
        let violation = try #require(h.check().violation)
        #expect(violation.operations.count <= 4)
    }

    @Test func twoCompareAndSetsOnTheSameVersionCannotBothSucceed() {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.add(client: 1, .compareAndSet(expectedVersion: 1, value: "b"), .written(version: 2), 2, 10)
        h.add(client: 2, .compareAndSet(expectedVersion: 1, value: "c"), .written(version: 2), 2, 10)
        #expect(h.check().violation != nil)
    }

    @Test func compareAndSetMismatchIsLinearizableOnlyIfTheVersionMoved() {
        var moved = KVHistoryBuilder()
        moved.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        moved.add(client: 1, .put("b"), .written(version: 2), 2, 10)
        moved.add(client: 2, .compareAndSet(expectedVersion: 1, value: "c"), .versionMismatch, 3, 4)
        #expect(moved.check().isLinearizable)

        var spurious = KVHistoryBuilder()
        spurious.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        spurious.add(client: 2, .compareAndSet(expectedVersion: 1, value: "c"), .versionMismatch, 3, 4)
        #expect(spurious.check().violation != nil)
    }

    @Test func createOnlyPutFailsWhenTheKeyExists() {
        var h = KVHistoryBuilder()
        h.add(.put("a", ifVersion: 0), .written(version: 1), 0, 1)
        h.add(.put("b", ifVersion: 0), .written(version: 2), 2, 3)
        #expect(h.check().violation != nil)
    }

    @Test func successfulCompareAndSetThenStaleReadIsCaught() {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.add(client: 1, .compareAndSet(expectedVersion: 1, value: "b"), .written(version: 2), 2, 3)
        h.add(client: 2, .get, .found("a", version: 1), 4, 5)
        #expect(h.check().violation != nil)
    }

    @Test func wrongVersionNumberIsCaughtUnderPerKeyCounters() {
        var h = KVHistoryBuilder()
        h.add(.put("a"), .written(version: 1), 0, 1)
        h.add(.get, .found("a", version: 2), 2, 3)
        #expect(h.check().violation != nil)
    }

    @Test func deleteThenRecreateKeepsVersionsIncreasing() {
        var h = KVHistoryBuilder()
        h.add(.put("a"), .written(version: 1), 0, 1)
        h.add(.delete(), .written(version: 2), 2, 3)
        h.add(.delete(), .notFound, 4, 5)
        h.add(.compareAndSet(expectedVersion: 1, value: "b"), .versionMismatch, 6, 7)
        h.add(.put("c"), .written(version: 3), 8, 9)
        h.add(.get, .found("c", version: 3), 10, 11)
        #expect(h.check().isLinearizable)

        var resurrected = KVHistoryBuilder()
        resurrected.add(.put("a"), .written(version: 1), 0, 1)
        resurrected.add(.delete(), .written(version: 2), 2, 3)
        resurrected.add(.get, .found("a", version: 1), 4, 5)
        #expect(resurrected.check().violation != nil)
    }

    @Test func increasingVersionsAcceptGapsButNotRegressions() {
        var gaps = KVHistoryBuilder()
        gaps.add(.put("a"), .written(version: 10), 0, 1)
        gaps.add(.put("b"), .written(version: 25), 2, 3)
        gaps.add(.compareAndSet(expectedVersion: 25, value: "c"), .written(version: 26), 4, 5)
        gaps.add(.get, .found("c", version: 26), 6, 7)
        #expect(gaps.check(KV(versioning: .increasing)).isLinearizable)
        #expect(gaps.check(KV(versioning: .perKeyCounter)).violation != nil)

        var regression = KVHistoryBuilder()
        regression.add(.put("a"), .written(version: 10), 0, 1)
        regression.add(.put("b"), .written(version: 7), 2, 3)
        #expect(regression.check(KV(versioning: .increasing)).violation != nil)
    }

    @Test func unknownWriteMayTakeEffectLate() {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.addUnknown(client: 1, .put("b"), 2)
        h.add(client: 2, .get, .found("a", version: 1), 10, 11)
        h.add(client: 2, .get, .found("b", version: 2), 50, 51)
        #expect(h.check().isLinearizable)
    }

    @Test func unknownWriteMayNeverTakeEffect() {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.addUnknown(client: 1, .delete(), 2)
        h.add(client: 2, .get, .found("a", version: 1), 100, 101)
        #expect(h.check().isLinearizable)
    }

    @Test func unknownWriteTakesEffectAtMostOnce() {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        h.addUnknown(client: 1, .put("b"), 2)
        h.add(client: 2, .get, .found("b", version: 2), 10, 11)
        h.add(client: 2, .get, .found("a", version: 1), 12, 13)
        #expect(h.check().violation != nil)
    }

    @Test func unknownWriteCannotExplainAReadThatEndedBeforeItWasInvoked() {
        var h = KVHistoryBuilder()
        h.add(client: 2, .get, .found("b", version: 1), 0, 1)
        h.addUnknown(client: 1, .put("b"), 2)
        #expect(h.check().violation != nil)
    }

    @Test func unknownCompareAndSetAppliesOnlyIfItsVersionMatched() {
        var matched = KVHistoryBuilder()
        matched.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        matched.addUnknown(client: 1, .compareAndSet(expectedVersion: 1, value: "b"), 2)
        matched.add(client: 2, .get, .found("b", version: 2), 5, 6)
        #expect(matched.check().isLinearizable)

        var mismatched = KVHistoryBuilder()
        mismatched.add(client: 0, .put("a"), .written(version: 1), 0, 1)
        mismatched.addUnknown(client: 1, .compareAndSet(expectedVersion: 7, value: "b"), 2)
        mismatched.add(client: 2, .get, .found("b", version: 2), 5, 6)
        #expect(mismatched.check().violation != nil)
    }

    @Test func unknownOutcomesUnderIncreasingVersionsArePinnedByLaterReads() {
        var h = KVHistoryBuilder()
        h.add(client: 0, .put("a"), .written(version: 5), 0, 1)
        h.addUnknown(client: 1, .put("b"), 2)
        h.add(client: 2, .get, .found("b", version: 9), 5, 6)
        h.add(client: 2, .compareAndSet(expectedVersion: 9, value: "c"), .written(version: 12), 7, 8)
        #expect(h.check(KV(versioning: .increasing)).isLinearizable)

        var wrongPin = h
        wrongPin.add(client: 3, .get, .found("b", version: 10), 20, 21)
        #expect(wrongPin.check(KV(versioning: .increasing)).violation != nil)
    }

    @Test func keysAreCheckedIndependentlyAndTheViolatingKeyIsNamed() throws {
        var h = KVHistoryBuilder()
        h.add(client: 0, key: "a", .put("1"), .written(version: 1), 0, 1)
        h.add(client: 1, key: "b", .put("1"), .written(version: 1), 0, 1)
        h.add(client: 0, key: "a", .get, .found("1", version: 1), 2, 3)
        h.add(client: 1, key: "b", .get, .notFound, 2, 3)
        let violation = try #require(h.check().violation)
        #expect(violation.key == "b")
        #expect(violation.operations.allSatisfy { $0.key == "b" })
    }

    @Test func exhaustedBudgetIsReportedAsUnknownNotAsAVerdict() {
        // Many concurrent writes and one read that fits no order: the search must explore
        // every order of the writes before it can say no.
        var h = KVHistoryBuilder()
        for client in 0..<12 { h.add(client: client, .put("v\(client)"), .written(version: nil), 0, 100) }
        h.add(client: 99, .get, .found("never", version: nil), 101, 102)
        let tight = LinearizabilityChecker<KV>.Limits(maxStepsPerKey: 50, maxCachedStatesPerKey: 1_000)
        guard case .unknown(let keys) = h.check(limits: tight) else {
            Issue.record("expected .unknown with a 50-step budget")
            return
        }
        #expect(keys == ["k"])
        #expect(h.check().violation != nil)
    }
}
