/// The last changes of the cluster map, so that watchers (routers, data nodes) can resume
/// after a reconnect with only what they missed.
///
/// Bounded: it keeps at most `capacity` versions; a watcher further behind gets the
/// whole map instead (`.tooFarBehind`).
public struct ChangeLog: Sendable {
    public enum Answer: Sendable, Equatable {
        /// The changes after the watcher's version, in order (empty: up to date).
        case changes([VersionedChanges])
        /// The watcher is older than what the log keeps: it must take the whole map.
        case tooFarBehind
    }

    public let capacity: Int
    private var entries: [VersionedChanges] = []
    /// The version of the map the log starts after.
    public private(set) var baseVersion: UInt64

    public init(capacity: Int = 4096, baseVersion: UInt64 = 0) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.baseVersion = baseVersion
    }

    /// Records the changes of a newly applied command.
    public mutating func append(_ changes: VersionedChanges) {
        precondition(changes.version == (entries.last?.version ?? baseVersion) + 1, "versions must be contiguous")
        entries.append(changes)
        if entries.count > capacity {
            let dropped = entries.count - capacity
            baseVersion = entries[dropped - 1].version
            entries.removeFirst(dropped)
        }
    }

    /// Starts over after a snapshot was installed: the log is empty at `version`.
    public mutating func reset(at version: UInt64) {
        entries = []
        baseVersion = version
    }

    /// What a watcher at `version` has missed (at most `limit` versions).
    public func changes(after version: UInt64, limit: Int = 1024) -> Answer {
        guard version >= baseVersion else { return .tooFarBehind }
        let start = Int(version - baseVersion)
        guard start <= entries.count else { return .tooFarBehind }  // a watcher from the future: resync
        return .changes(Array(entries[start..<min(entries.count, start + limit)]))
    }
}
