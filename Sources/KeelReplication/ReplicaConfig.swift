import KeelTypes

/// Limits and timeouts of a shard replica. Every buffer the replica keeps is bounded here.
public struct ReplicaConfig: Sendable {
    /// A batch is sealed once it holds this many writes…
    public var maxBatchWrites = 1024
    /// …or this many bytes.
    public var maxBatchBytes = 4 << 20
    /// Bytes of prepared, uncommitted records the primary keeps before refusing writes
    /// with `overloaded` (back-pressure).
    public var maxUncommittedBytes = 64 << 20
    /// Records sent in one prepare message.
    public var maxRecordsPerMessage = 64
    /// A backup that has not acknowledged for this long is reported to the meta group.
    public var backupTimeout: Duration = .seconds(3)
    /// A primary stops serving this long before its lease ends.
    public var leaseSafetyMargin: Duration = .milliseconds(300)
    /// An idle primary sends its commit point this often.
    public var commitHeartbeat: Duration = .milliseconds(200)
    /// Copies (primary included) a write must reach before it is acknowledged.
    public var minInsync = 1

    public init() {}
}

#if DEBUG
/// Deliberate bugs for the simulator to catch (compiled only in debug builds).
@_spi(Testing) public enum ReplicaInjectedBug: String, Sendable, Hashable, CaseIterable {
    /// Commit (and acknowledge) once the primary alone has the write.
    case ackBeforeBackupsDurable
    /// Keep serving after the lease has expired.
    case serveAfterLeaseExpiry
    /// Serve as a new primary without bringing the replicas to its log first.
    case skipReconciliation
}
#endif
