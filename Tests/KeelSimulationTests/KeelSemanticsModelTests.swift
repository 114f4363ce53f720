import KeelSimulation
import Testing

/// `SimKV` (per-key counter versions) must say exactly what `ShardReplica` and the Raft
/// simulation's `KVStore` do (docs/API.md), or the checker proves nothing. Cases from the
/// data-plane simulation, whose clients are checked against the same model.
@Suite struct KeelSemanticsModelTests {
    let model = SimKV()

    @Test func versionsStartAtOneAndRestartAfterADelete() throws {
        var state = model.initialState
        state = try #require(model.step(state, .put("x"), .written(version: 1)))
        state = try #require(model.step(state, .put("y"), .written(version: 2)))
        state = try #require(model.step(state, .delete(), .written(version: 2)))
        #expect(model.step(state, .get, .notFound) != nil)
        #expect(model.step(state, .put("z"), .written(version: 3)) == nil)
        #expect(model.step(state, .put("z"), .written(version: 1)) != nil)
    }

    @Test func conditionsCompareWithTheCurrentVersionAndZeroMeansAbsent() throws {
        let absent = model.initialState
        #expect(model.step(absent, .put("x", ifVersion: 0), .written(version: 1)) != nil)
        #expect(model.step(absent, .put("x", ifVersion: 1), .versionMismatch) != nil)
        #expect(model.step(absent, .put("x", ifVersion: 1), .written(version: 1)) == nil)
        let present = try #require(model.step(absent, .put("x"), .written(version: 1)))
        #expect(model.step(present, .put("y", ifVersion: 0), .versionMismatch) != nil)
        #expect(model.step(present, .put("y", ifVersion: 1), .written(version: 2)) != nil)
        #expect(model.step(present, .delete(ifVersion: 2), .versionMismatch) != nil)
        #expect(model.step(present, .delete(ifVersion: 1), .written(version: 1)) != nil)
    }

    @Test func deletingAnAbsentKeyIsNotFoundWhateverTheCondition() {
        let absent = model.initialState
        #expect(model.step(absent, .delete(ifVersion: 7), .notFound) == absent)
        #expect(model.step(absent, .delete(ifVersion: 7), .versionMismatch) == nil)
        #expect(model.step(absent, .delete(), .versionMismatch) == nil)
        #expect(model.step(absent, .delete(), .written(version: 0)) == nil)
    }

    @Test func anUnknownOutcomeEitherAppliesOrNot() throws {
        let present = try #require(model.step(model.initialState, .put("x"), .written(version: 1)))
        let applied = try #require(model.step(present, .put("y", ifVersion: 1), nil))
        #expect(model.step(applied, .get, .found("y", version: 2)) != nil)
        #expect(model.step(present, .put("y", ifVersion: 5), nil) == present)
    }

    @Test func theCheckerFindsALostAcknowledgedWrite() {
        var history = KVHistoryBuilder()
        history.add(.put("a"), .written(version: 1), 1, 2)
        history.add(client: 1, .put("b"), .written(version: 2), 3, 4)
        let prefix = history
        history.add(.get, .found("a", version: 1), 5, 6)
        #expect(history.check().violation != nil)
        #expect(prefix.check().isLinearizable)
    }
}
