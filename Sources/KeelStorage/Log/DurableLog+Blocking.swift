extension DurableLog {
    /// Blocking entry points for a caller that runs on its own OS thread (a single-threaded
    /// shell, a test, a tool) — never call them from Swift's cooperative thread pool.
    ///
    /// The etcd-style cycle is: `append` the records of a step (queued, returns at once),
    /// `saveHardState` if it changed, then `sync()` before sending messages that depend on
    /// the records being durable.
    public var blocking: Blocking { Blocking(core: core) }

    /// See `DurableLog.blocking`.
    public struct Blocking: Sendable {
        let core: LogCore

        /// Queues `payloads` at `first, first + 1, …` and returns without waiting; they are
        /// durable once a later `sync()` returns. Contiguity is checked here (`log_gap`,
        /// `index_out_of_range`); a write failure is reported by the next `sync()`, and
        /// the log's next index then goes back to `lastIndex + 1`. Waits only while the
        /// queue is over `maxQueuedBytes`.
        public func append(_ payloads: [[UInt8]], at first: LogIndex) throws(StorageError) {
            try core.monitor.withLock { () throws(StorageError) in
                _ = try core.enqueueLocked(.append(first: first, payloads: payloads), waiter: nil, blocking: true)
            }
        }

        /// Waits until everything queued before the call is durable; throws the first
        /// failure of an `append` queued since the previous `sync()`.
        public func sync() throws(StorageError) { try core.submitBlocking(.barrier) }

        /// Removes every record after `index`, durably (see `DurableLog.truncateSuffix`).
        public func truncateSuffix(after index: LogIndex) throws(StorageError) { try core.submitBlocking(.truncateSuffix(after: index)) }

        /// Deletes segments wholly before `index` (see `DurableLog.compact`).
        public func compact(before index: LogIndex) throws(StorageError) { try core.submitBlocking(.compact(before: index)) }

        /// Discards every record and restarts empty at `nextIndex` (see `DurableLog.reset`).
        public func reset(nextIndex: LogIndex) throws(StorageError) { try core.submitBlocking(.reset(next: nextIndex)) }

        /// Replaces the hard state durably and atomically.
        public func saveHardState(_ state: [UInt8]) throws(StorageError) { try core.submitBlocking(.saveHardState(state)) }
    }
}
