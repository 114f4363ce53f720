/// Deliberate protocol bugs that the deterministic simulator must catch (issue 3, item 4).
///
/// They can only be switched on through `RaftConfig.injectedBugs`, which exists in debug
/// builds only (`#if DEBUG`) and behind `@_spi(Testing)`; a release build has no way to
/// enable any of them.
@_spi(Testing) public enum InjectedBug: String, Hashable, Sendable, CaseIterable {
    /// Grant votes (and pre-votes) without checking that the candidate's log is at least
    /// as up to date as ours: breaks leader completeness.
    case voteWithoutLogCheck = "vote_without_log_check"
    /// Commit any entry replicated on a quorum, whatever its term (the Figure 8 bug).
    /// Shows up most often with a small `maxMessageBytes` (one entry per append).
    case commitOldTermByCounting = "commit_old_term_by_counting"
    /// Serve lease reads without CheckQuorum and without a fresh quorum acknowledgement:
    /// a deposed leader keeps answering stale reads.
    case leaseReadWithoutCheckQuorum = "lease_read_without_check_quorum"
    /// Answer a ReadIndex with the commit index at once, without the heartbeat round that
    /// confirms leadership: a partitioned old leader serves stale reads.
    case readIndexWithoutHeartbeat = "read_index_without_heartbeat"
    /// Report a change of term or vote as not needing an fsync: after a crash that loses
    /// unsynced writes, a node can vote twice in one term.
    case voteNotSynced = "vote_not_synced"
}

extension RaftNode {
    /// Whether `bug` is switched on (always false in release builds).
    @inline(__always)
    func injected(_ bug: InjectedBug) -> Bool {
        #if DEBUG
        return config.injectedBugs.contains(bug)
        #else
        return false
        #endif
    }
}
