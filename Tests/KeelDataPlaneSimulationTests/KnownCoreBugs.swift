import KeelDataPlaneSimulation

/// Bugs in the cores that this simulation found, described in BUGS.md (seed, replay
/// command, what happens). They are the lead's to fix in KeelReplication; until then the
/// seed sweep reports a failing seed that one of them fully explains as a *known issue*
/// (visible in the test output, not silent) and fails on anything else.
///
/// Each is recognised by a monitor that sees it happen, not by guessing from symptoms:
/// remove a case here when its fix lands, and the sweep fails if the bug is still there.
enum KnownCoreBug: String, CaseIterable, Sendable {
    /// A backup answering `reconcile` truncates records the primary has committed (a
    /// restarted primary sends `lastEpoch` e0 for a record it holds only in its store); the
    /// same unknown epoch can also make reconciliation loop forever (the shard never serves).
    case reconcileTruncatesCommittedRecords = "BUG-1"
    /// A learner that restarts truncates below what it acknowledged in the same epoch; the
    /// primary never resends below `acked`, and every `prepareGap` resends the whole window:
    /// an endless storm (seen as `acknowledged_record_dropped` by a learner, or, if it
    /// somehow gets past that, as the event bound).
    case rejoiningLearnerGapStorm = "BUG-2"
    /// `submit` answers `version_mismatch` / `not_found` at once from prepared, uncommitted state.
    case conditionAnsweredFromUncommittedState = "BUG-3"
    /// A learner is promoted while its primary goes on committing without it (learners do
    /// not count) until it learns the new epoch: the new backup lacks committed records,
    /// and a failover to it loses them.
    case promotionBehindThePrimary = "BUG-4"
    /// A backup acts on a delayed or duplicated `reconcile` from its current primary after
    /// it has reconciled, and drops records it acknowledged; the primary still counts them.
    case staleReconcileDropsAcknowledgedRecords = "BUG-5"
    /// A replica answers `reconcile` with its log end even if not yet fsync'd, and the primary
    /// counts that as acknowledged: it commits records a backup does not hold durably.
    case reconcileReplyCountsUnsyncedRecords = "BUG-6"

    var summary: String {
        switch self {
        case .reconcileTruncatesCommittedRecords: "a backup truncates committed records during reconciliation"
        case .rejoiningLearnerGapStorm: "a restarted learner never catches up; prepare/prepare_gap storm"
        case .conditionAnsweredFromUncommittedState: "condition failures answered from uncommitted state"
        case .promotionBehindThePrimary: "a promoted learner lacks records its primary committed without it"
        case .staleReconcileDropsAcknowledgedRecords: "a stale reconcile makes a backup drop acknowledged records"
        case .reconcileReplyCountsUnsyncedRecords: "a reconcile reply counts records that are not durable"
        }
    }

    /// The known bug that explains every violation of `report`, if one does.
    static func explaining(_ report: SimulationReport) -> KnownCoreBug? {
        let causes = Set(report.violations.map { cause(of: $0, in: report) })
        guard causes.count == 1, let only = causes.first else { return nil }
        return only
    }

    /// The known bug whose monitor saw `violation` happen, if any.
    static func cause(of violation: Violation, in report: SimulationReport) -> KnownCoreBug? {
        let statistics = report.statistics
        switch violation.kind {
        case .committedRecordDropped:
            return .reconcileTruncatesCommittedRecords
        case .acknowledgedRecordDropped:
            return violation.details.contains(": learner ") ? .rejoiningLearnerGapStorm : .staleReconcileDropsAcknowledgedRecords
        case .noServingPrimary:
            let looping = violation.details.contains("still reconciling") && statistics.reconcilesWithUnknownEpoch > 0
            return looping ? .reconcileTruncatesCommittedRecords : nil
        case .committedUnderStaleConfiguration:
            return .promotionBehindThePrimary
        case .committedRecordMissing:
            if violation.details.contains(MetaCommandName.promoteLearner) { return .promotionBehindThePrimary }
            if violation.details.contains(DataPlaneSimulation.reconcileReplyBeyondDurableNote) { return .reconcileReplyCountsUnsyncedRecords }
            return nil
        case .eventBoundReached:
            let gaps = statistics.messagesByKind["prepare_gap", default: 0]
            return gaps * 4 > statistics.messagesSent ? .rejoiningLearnerGapStorm : nil
        case .notLinearizable, .acknowledgedWriteLost:
            guard let key = violation.key, statistics.keysAnsweredFromUncommittedState.contains(key) else { return nil }
            return .conditionAnsweredFromUncommittedState
        default:
            return nil
        }
    }
}

/// Command names as `MetaCommand.name` spells them.
enum MetaCommandName {
    static let promoteLearner = "promote_learner"
}
