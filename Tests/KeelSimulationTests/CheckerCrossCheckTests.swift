import KeelSimulation
import Testing

/// The optimized search (memoization with subsumption, returned-operations-first order)
/// must agree with a brute-force enumeration on small random histories, corrupted or not.
@Suite struct CheckerCrossCheckTests {
    /// Tries every order that respects real time, with every subset of the unknown-outcome
    /// operations taking effect.
    static func bruteForce(_ operations: [KVOperation], model: KV) -> Bool {
        func search(_ remaining: [KVOperation], _ state: KV.State) -> Bool {
            if remaining.allSatisfy({ $0.returnedAt == nil }) { return true }
            for (position, candidate) in remaining.enumerated() {
                // Nothing still unplaced may have returned before this one was invoked.
                let blocked = remaining.contains { other in
                    other.id != candidate.id && (other.returnedAt.map { $0 < candidate.invokedAt } ?? false)
                }
                guard !blocked, let next = model.step(state, candidate.input, candidate.output) else { continue }
                var rest = remaining
                rest.remove(at: position)
                if search(rest, next) { return true }
            }
            return false
        }
        return search(operations, model.initialState)
    }

    static func mutate(_ operation: inout KVOperation, random: inout SimRandom) {
        guard let at = operation.returnedAt else { return }
        let outputs: [KV.Output] = [
            .notFound, .versionMismatch, .written(version: random.uint64(in: 0...4)),
            .found("c0.\(random.below(6))", version: random.uint64(in: 1...4)),
            .found("c1.\(random.below(12))", version: nil),
        ]
        operation.outcome = .returned(random.pick(outputs)!, at: at)
    }

    @Test(arguments: [false, true])
    func optimizedSearchAgreesWithBruteForce(logSequenceVersions: Bool) {
        var shape = RandomKVHistory.Shape()
        shape.clients = 3
        shape.keys = 1
        shape.operationsPerClient = 2
        shape.unknownProbability = 0.35
        shape.logSequenceVersions = logSequenceVersions
        shape.hiddenVersionProbability = 0.3
        let model = KV(versioning: logSequenceVersions ? .increasing : .perKeyCounter)
        var verdicts = (linearizable: 0, violations: 0)
        for seed in UInt64(1)...400 {
            var history = RandomKVHistory(seed: seed, shape: shape).operations
            var random = SimRandom(seed: seed).derive(stream: 9)
            if random.chance(0.7), let victim = random.pick(Array(history.indices)) { Self.mutate(&history[victim], random: &random) }
            let expected = Self.bruteForce(history, model: model)
            let result = LinearizabilityChecker(model: model).check(history)
            #expect(result.isLinearizable == expected, "seed \(seed)")
            #expect(expected || result.violation != nil, "seed \(seed): a violation must be reported, not unknown")
            if expected { verdicts.linearizable += 1 } else { verdicts.violations += 1 }
        }
        // Both verdicts must be well represented, or the comparison proves little.
        #expect(verdicts.linearizable > 100 && verdicts.violations > 100)
    }

    /// With many writes of unknown outcome a violation may need more search than the budget
    /// allows: the checker must then say `.unknown`, never `.linearizable`.
    @Test func manyUnknownOutcomesNeverGiveAWrongVerdict() throws {
        var shape = RandomKVHistory.Shape()
        shape.unknownProbability = 0.4
        shape.operationsPerClient = 25
        // The valid history gets the default budget (it must be found linearizable); the
        // corrupted one a tight budget, so that some searches run out.
        let generous = LinearizabilityChecker(model: KV())
        let checker = LinearizabilityChecker(model: KV(), limits: .init(maxStepsPerKey: 100_000, maxStepsToExplain: 50_000))
        var caught = 0
        var undecided = 0
        for seed in UInt64(1)...40 {
            var history = RandomKVHistory(seed: seed, shape: shape)
            #expect(generous.check(history.operations).isLinearizable, "seed \(seed)")
            var random = SimRandom(seed: seed).derive(stream: 3)
            guard history.corruptWithStaleValue(random: &random) != nil else { continue }
            switch checker.check(history.operations) {
            case .linearizable: Issue.record("seed \(seed): a stale read passed")
            case .notLinearizable: caught += 1
            case .unknown: undecided += 1
            }
        }
        print("many unknown outcomes: \(caught) stale reads caught, \(undecided) undecided within the budget")
        #expect(caught > undecided)
    }
}
