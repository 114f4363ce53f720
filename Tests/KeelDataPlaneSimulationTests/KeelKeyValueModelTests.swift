import KeelDataPlaneSimulation
import KeelSimulation
import Testing

/// The model must say exactly what `ShardReplica` does, or the checker proves nothing.
@Suite struct KeelKeyValueModelTests {
    let model = KeelKeyValueModel()
    typealias State = KeelKeyValueModel.State

    @Test func versionsStartAtOneAndRestartAfterADelete() throws {
        var state = model.initialState
        state = try #require(model.step(state, .put("x", ifVersion: nil), .written(version: 1)))
        state = try #require(model.step(state, .put("y", ifVersion: nil), .written(version: 2)))
        state = try #require(model.step(state, .delete(ifVersion: nil), .written(version: 2)))
        #expect(model.step(state, .get, .notFound) != nil)
        #expect(model.step(state, .put("z", ifVersion: nil), .written(version: 3)) == nil)
        #expect(model.step(state, .put("z", ifVersion: nil), .written(version: 1)) != nil)
    }

    @Test func conditionsCompareWithTheCurrentVersionAndZeroMeansAbsent() throws {
        let absent = model.initialState
        #expect(model.step(absent, .put("x", ifVersion: 0), .written(version: 1)) != nil)
        #expect(model.step(absent, .put("x", ifVersion: 1), .versionMismatch) != nil)
        #expect(model.step(absent, .put("x", ifVersion: 1), .written(version: 1)) == nil)
        let present = try #require(model.step(absent, .put("x", ifVersion: nil), .written(version: 1)))
        #expect(model.step(present, .put("y", ifVersion: 0), .versionMismatch) != nil)
        #expect(model.step(present, .put("y", ifVersion: 1), .written(version: 2)) != nil)
        #expect(model.step(present, .delete(ifVersion: 2), .versionMismatch) != nil)
        #expect(model.step(present, .delete(ifVersion: 1), .written(version: 1)) != nil)
    }

    @Test func deletingAnAbsentKeyIsNotFoundWhateverTheCondition() {
        let absent = model.initialState
        #expect(model.step(absent, .delete(ifVersion: 7), .notFound) == absent)
        #expect(model.step(absent, .delete(ifVersion: nil), .versionMismatch) == nil)
        #expect(model.step(absent, .delete(ifVersion: nil), .written(version: 0)) == nil)
    }

    @Test func anUnknownOutcomeEitherAppliesOrNot() throws {
        let present = try #require(model.step(model.initialState, .put("x", ifVersion: nil), .written(version: 1)))
        #expect(model.step(present, .put("y", ifVersion: 1), nil) == State(value: "y", version: 2))
        #expect(model.step(present, .put("y", ifVersion: 5), nil) == present)
    }

    @Test func theCheckerFindsALostAcknowledgedWrite() {
        typealias Operation = LinearizabilityOperation<KeelKeyValueModel>
        let history = [
            Operation(id: 0, client: 0, key: "k", input: .put("a", ifVersion: nil), invokedAt: 1, outcome: .returned(.written(version: 1), at: 2)),
            Operation(id: 1, client: 1, key: "k", input: .put("b", ifVersion: nil), invokedAt: 3, outcome: .returned(.written(version: 2), at: 4)),
            Operation(id: 2, client: 0, key: "k", input: .get, invokedAt: 5, outcome: .returned(.found("a", version: 1), at: 6)),
        ]
        #expect(!LinearizabilityChecker(model: model).check(history).isLinearizable)
        #expect(LinearizabilityChecker(model: model).check(Array(history.prefix(2))).isLinearizable)
    }
}
