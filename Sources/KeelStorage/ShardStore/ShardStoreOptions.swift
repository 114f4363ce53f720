extension ShardStore {
    /// Settings of a shard store; every buffer and batch it accepts is bounded here.
    public struct Options: Sendable {
        /// What "a write method returned" promises.
        public enum Durability: Sendable, Hashable {
            /// `synchronous=FULL`: every commit syncs the WAL; a returned write is on disk.
            case committed
            /// `synchronous=NORMAL`: the WAL is synced at checkpoints only. A crash of the
            /// machine can lose the last commits, atomically with their replication
            /// position, so a replica re-applies them from its durable log. Faster.
            case deferredToLog
        }

        public var durability: Durability
        /// Compression threshold and largest value.
        public var codec: ValueCodec.Configuration
        /// SQLite page cache per open shard, in KiB.
        public var cacheKiBPerShard: Int
        /// The most key and value bytes one batch (one transaction) may carry.
        public var maxBatchBytes: Int

        public init(
            durability: Durability = .committed, codec: ValueCodec.Configuration = .init(),
            cacheKiBPerShard: Int = 4096, maxBatchBytes: Int = 64 << 20
        ) {
            self.durability = durability
            self.codec = codec
            self.cacheKiBPerShard = cacheKiBPerShard
            self.maxBatchBytes = maxBatchBytes
        }
    }
}
