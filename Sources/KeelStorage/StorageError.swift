#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the storage engine: a searchable code, a message, and where it happened.
///
/// Codes are stable snake_case strings (search for them in docs/storage.md); new codes may
/// be added, existing ones never change meaning. Corruption is always reported as an error
/// (`corrupt_value`, `corrupt_log`, `corrupt_hard_state`, `corrupt_store`): the engine never
/// returns damaged bytes as data and never skips over them silently.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable identifier.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Damage found on disk.
        /// A stored value failed its checksum or its format check.
        public static let corruptValue = Code(rawValue: "corrupt_value")
        /// A log record failed validation somewhere other than a torn tail.
        public static let corruptLog = Code(rawValue: "corrupt_log")
        /// Neither slot of the hard-state file holds a valid record.
        public static let corruptHardState = Code(rawValue: "corrupt_hard_state")
        /// SQLite reported a damaged database file.
        public static let corruptStore = Code(rawValue: "corrupt_store")
        /// A file was written by an unknown (newer) format version.
        public static let unsupportedFormat = Code(rawValue: "unsupported_format")

        // Log positions.
        /// Indexes are missing: a segment file is absent, or an append would leave a hole.
        public static let logGap = Code(rawValue: "log_gap")
        /// The requested index was removed by compaction (it is below the first index).
        public static let logCompacted = Code(rawValue: "log_compacted")
        /// The index is past the end of the log, or an append would overwrite existing
        /// records (truncate the suffix first).
        public static let indexOutOfRange = Code(rawValue: "index_out_of_range")

        // The machine.
        /// The file system has no room (ENOSPC, EDQUOT, EFBIG).
        public static let diskFull = Code(rawValue: "disk_full")
        /// Any other failed system call.
        public static let ioError = Code(rawValue: "io_error")
        /// A sync failed; the log refuses further work until it is reopened, because the
        /// kernel may have dropped the unsynced pages (see docs/storage.md).
        public static let logFailed = Code(rawValue: "log_failed")
        /// The log or store was closed.
        public static let closed = Code(rawValue: "closed")
        /// Another process (or another handle in this one) has the directory open.
        public static let locked = Code(rawValue: "locked")

        // Caller mistakes.
        /// A record, value, key or batch exceeds its configured limit.
        public static let tooLarge = Code(rawValue: "too_large")
        /// An argument is malformed (an empty key, an inverted range, …).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// The shard is not in the store.
        public static let unknownShard = Code(rawValue: "unknown_shard")
        /// A shard with that id already exists.
        public static let shardExists = Code(rawValue: "shard_exists")
        /// The key lies outside the shard's key range.
        public static let keyOutOfRange = Code(rawValue: "key_out_of_range")
        /// A compare-and-set found another version than the one expected.
        public static let versionMismatch = Code(rawValue: "version_mismatch")
        /// SQLite failed in a way not covered above (the message carries its code).
        public static let sqliteError = Code(rawValue: "sqlite_error")
    }

    public var code: Code
    public var message: String
    /// The file involved, when there is one.
    public var path: String?
    /// The byte offset in `path` where the problem was found, when known.
    public var offset: UInt64?

    public init(_ code: Code, _ message: String, path: String? = nil, offset: UInt64? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let path { text += " [\(path)" + (offset.map { " @\($0)" } ?? "") + "]" }
        return text
    }

    /// Maps a failed system call to `disk_full` or `io_error`, naming the call and the file.
    static func system(_ operation: String, errno number: Int32, path: String, offset: UInt64? = nil) -> StorageError {
        let reason = String(cString: strerror(number))
        let code: Code = (number == ENOSPC || number == EDQUOT || number == EFBIG) ? .diskFull : .ioError
        return StorageError(code, "\(operation) failed: \(reason) (errno \(number))", path: path, offset: offset)
    }
}
