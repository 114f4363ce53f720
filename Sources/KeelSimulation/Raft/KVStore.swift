/// The replicated state machine of the Raft simulation: a key-value map with Keel's
/// per-key versions, applying each client's writes at most once.
///
/// Clients retry a write under the same sequence number, and a duplicated request can
/// reach the log twice; the store remembers each client's last applied sequence number
/// and its result, skips older ones and answers a repeat of the last with the first
/// result (the Raft dissertation's client sessions, §6.3).
struct KVStore: Sendable {
    private var items: [String: (value: String, version: UInt64)] = [:]
    private var sessions: [Int: (sequence: UInt64, output: SimKV.Output)] = [:]

    init() {}

    /// Applies `command` and returns the result its client should see, and whether the
    /// write ran now (false for a repeat or a stale retry).
    mutating func apply(_ command: KVCommand) -> (output: SimKV.Output, executed: Bool) {
        if let session = sessions[command.client], command.sequence <= session.sequence {
            // A repeat of the last write answers as the first did; an older one is stale
            // (its client gave up on it) and does nothing.
            return (command.sequence == session.sequence ? session.output : .versionMismatch, false)
        }
        let output = write(command.key, command.input)
        sessions[command.client] = (command.sequence, output)
        return (output, true)
    }

    private mutating func write(_ key: String, _ input: SimKV.Input) -> SimKV.Output {
        let current = items[key]
        func holds(_ ifVersion: UInt64?) -> Bool {
            guard let expected = ifVersion else { return true }
            return expected == 0 ? current == nil : current?.version == expected
        }
        switch input {
        case .put(let value, let ifVersion):
            guard holds(ifVersion) else { return .versionMismatch }
            let version = (current?.version ?? 0) + 1
            items[key] = (value, version)
            return .written(version: version)
        case .delete(let ifVersion):
            guard let current else { return .notFound }
            guard holds(ifVersion) else { return .versionMismatch }
            items[key] = nil
            return .written(version: current.version)
        case .get:
            return read(key)
        }
    }

    /// The current value of `key`, as a get answers.
    func read(_ key: String) -> SimKV.Output {
        items[key].map { .found($0.value, version: $0.version) } ?? .notFound
    }

    // MARK: Snapshots

    /// The whole store in a deterministic binary form (keys and clients sorted).
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.appendUInt64(UInt64(items.count))
        for key in items.keys.sorted() {
            writer.appendString(key)
            writer.appendString(items[key]!.value)
            writer.appendUInt64(items[key]!.version)
        }
        writer.appendUInt64(UInt64(sessions.count))
        for client in sessions.keys.sorted() {
            let session = sessions[client]!
            writer.appendUInt64(UInt64(client))
            writer.appendUInt64(session.sequence)
            Self.encode(session.output, into: &writer)
        }
        return writer.bytes
    }

    /// Restores `encoded()` output; an empty snapshot is an empty store.
    init?(decoding bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var reader = ByteReader(bytes)
        guard let itemCount = reader.uint64() else { return nil }
        for _ in 0..<itemCount {
            guard let key = reader.string(), let value = reader.string(), let version = reader.uint64() else { return nil }
            items[key] = (value, version)
        }
        guard let sessionCount = reader.uint64() else { return nil }
        for _ in 0..<sessionCount {
            guard let client = reader.uint64(), let sequence = reader.uint64(), let output = Self.decodeOutput(&reader)
            else { return nil }
            sessions[Int(client)] = (sequence, output)
        }
        guard reader.isAtEnd else { return nil }
    }

    private static func encode(_ output: SimKV.Output, into writer: inout ByteWriter) {
        switch output {
        case .written(let version):
            writer.appendByte(0)
            writer.appendUInt64(version ?? 0)
        case .notFound:
            writer.appendByte(1)
        case .versionMismatch:
            writer.appendByte(2)
        case .found:
            preconditionFailure("sessions hold write results only")
        }
    }

    private static func decodeOutput(_ reader: inout ByteReader) -> SimKV.Output? {
        switch reader.byte() {
        case 0: return reader.uint64().map { .written(version: $0) }
        case 1: return .notFound
        case 2: return .versionMismatch
        default: return nil
        }
    }
}
