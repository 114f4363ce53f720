extension DurableLog {
    /// Sizes and limits of a log. Every queue and buffer the log keeps is bounded by one of these.
    public struct Options: Sendable {
        /// A new segment file is started once the current one reaches this size.
        public var segmentTargetBytes: UInt64
        /// The largest payload of one record.
        public var maxRecordBytes: Int
        /// The most record bytes one group-commit write gathers (a single larger record is
        /// written alone).
        public var maxBatchBytes: Int
        /// Bytes of queued, not yet written operations above which appenders wait.
        public var maxQueuedBytes: Int
        /// Test hook for simulated disk faults; nil in production.
        public var faults: IOFaultInjector?

        public init(
            segmentTargetBytes: UInt64 = 64 << 20, maxRecordBytes: Int = 32 << 20, maxBatchBytes: Int = 4 << 20,
            maxQueuedBytes: Int = 64 << 20, faults: IOFaultInjector? = nil
        ) {
            self.segmentTargetBytes = segmentTargetBytes
            self.maxRecordBytes = maxRecordBytes
            self.maxBatchBytes = maxBatchBytes
            self.maxQueuedBytes = maxQueuedBytes
            self.faults = faults
        }
    }

    /// What opening the log found and repaired.
    public struct RecoveryReport: Hashable, Sendable {
        /// A torn tail cut off the last segment: the file, the offset of the first damaged
        /// record, the bytes discarded and why the record was rejected.
        public struct TornTail: Hashable, Sendable {
            public var path: String
            public var offset: UInt64
            public var discardedBytes: UInt64
            public var reason: String
        }

        public var tornTail: TornTail?
        /// Temporary files left by an interrupted segment or hard-state creation, removed.
        public var removedTemporaryFiles: [String]
    }
}
