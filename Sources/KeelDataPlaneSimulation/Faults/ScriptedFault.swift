/// A fault at a fixed time, for scenario tests that need one particular story rather
/// than the nemesis's random ones. Targets are resolved when the fault fires, from the
/// map at that moment ("the primary of the first shard": the first in key order that has a
/// backup, so that every story has a backup to act on).
public struct ScriptedFault: Sendable {
    public enum Action: Sendable {
        /// Crash the primary of the first shard (in key order); it restarts after `downtime`.
        case crashPrimary(downtime: Duration)
        /// Crash the first backup of the first shard; it restarts after `downtime`.
        case crashBackup(downtime: Duration)
        /// Cut the first shard's primary off from the meta group (both ways), not from
        /// clients or other nodes.
        case partitionPrimaryFromMeta(lasting: Duration)
        /// Slow down the disk of the first shard's first backup.
        case slowDiskOnBackup(lasting: Duration)
    }

    /// When, from the start of the run.
    public var at: Duration
    public var action: Action

    public init(at: Duration, _ action: Action) {
        self.at = at
        self.action = action
    }
}
