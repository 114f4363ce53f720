/// A refusal by the Raft core: invalid configuration, invalid bootstrap state, or a
/// shell command that cannot be carried out. `code` is stable and searchable.
public struct RaftError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable, searchable error codes (snake_case raw values).
    public enum Code: String, Hashable, Sendable {
        case invalidConfig = "invalid_config"
        case invalidBootstrap = "invalid_bootstrap"
        case malformedConfigChange = "malformed_config_change"
        case invalidConfigChange = "invalid_config_change"
        case compactionOutOfRange = "compaction_out_of_range"
        case invalidTransferTarget = "invalid_transfer_target"
        case malformedSnapshotChunk = "malformed_snapshot_chunk"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
