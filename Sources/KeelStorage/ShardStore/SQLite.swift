import CSQLite

/// SQLite's "copy the bytes now" destructor marker, which Swift cannot import as a macro.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe: its owner serializes every use.
///
/// Errors become `StorageError`s naming the database file: SQLITE_CORRUPT/NOTADB are
/// `corrupt_store`, SQLITE_FULL is `disk_full`, SQLITE_IOERR is `io_error`, the rest
/// `sqlite_error` with SQLite's own message and code.
final class SQLiteConnection {
    let path: String
    private var handle: OpaquePointer?

    init(path: String, readOnly: Bool = false) throws(StorageError) {
        self.path = path
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let error = SQLiteConnection.error(status, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "open failed", path: path)
            sqlite3_close_v2(handle)
            handle = nil
            throw error
        }
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { close() }

    /// Closes the connection; statements must be finalized first (`sqlite3_close_v2`
    /// defers the close until they are).
    func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StorageError) {
        let status = sqlite3_exec(try open(), sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw failure(status) }
    }

    func prepare(_ sql: String) throws(StorageError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(try open(), sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        return SQLiteStatement(statement, connection: self)
    }

    /// Number of rows the last statement changed.
    var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    func failure(_ status: Int32) -> StorageError {
        Self.error(status, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "connection closed", path: path)
    }

    private func open() throws(StorageError) -> OpaquePointer {
        guard let handle else { throw StorageError(.closed, "the shard's database is closed", path: path) }
        return handle
    }

    static func error(_ status: Int32, message: String, path: String) -> StorageError {
        let code: StorageError.Code
        switch status & 0xFF {
        case SQLITE_CORRUPT, SQLITE_NOTADB: code = .corruptStore
        case SQLITE_FULL: code = .diskFull
        case SQLITE_IOERR: code = .ioError
        default: code = .sqliteError
        }
        return StorageError(code, "SQLite: \(message) (code \(status))", path: path)
    }
}

/// A prepared statement, kept for the life of its connection and reset after each use.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection

    fileprivate init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit { sqlite3_finalize(statement) }

    /// Binds `values` to the parameters ?1, ?2, … (after clearing earlier bindings).
    @discardableResult
    func bind(_ values: SQLiteValue...) -> SQLiteStatement {
        rebind()
        for (offset, value) in values.enumerated() { set(Int32(offset + 1), value) }
        return self
    }

    /// Resets the statement and clears its bindings, for `set` to bind afresh.
    func rebind() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    /// Binds one parameter (1-based) without allocating.
    func set(_ position: Int32, _ value: SQLiteValue) {
        switch value {
        case .integer(let number): sqlite3_bind_int64(statement, position, number)
        case .null: sqlite3_bind_null(statement, position)
        case .blob(let bytes):
            bytes.withUnsafeBytes { raw in
                // A zero-length blob must still be a blob, not NULL: give SQLite a valid pointer.
                withUnsafePointer(to: 0) { empty in
                    _ = sqlite3_bind_blob(statement, position, raw.baseAddress ?? UnsafeRawPointer(empty), Int32(raw.count), transient)
                }
            }
        }
    }

    /// Steps once: true when a row is available, false when the statement is done.
    func step() throws(StorageError) -> Bool {
        let status = sqlite3_step(statement)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE:
            sqlite3_reset(statement)
            return false
        default:
            sqlite3_reset(statement)
            throw connection.failure(status)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(StorageError) {
        while try step() {}
    }

    /// Ends the current use early (releasing its read snapshot) without finishing it.
    func reset() { sqlite3_reset(statement) }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    /// The column's bytes, valid until the next step or reset.
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let base = sqlite3_column_blob(statement, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base, count: count)
    }

    func blob(_ column: Int32) -> [UInt8] { Array(bytes(column)) }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case blob([UInt8])
    case null
}

extension SQLiteValue {
    static func blob(_ bytes: [UInt8]?) -> SQLiteValue { bytes.map { .blob($0) } ?? .null }
    static func unsigned(_ value: UInt64) -> SQLiteValue { .integer(Int64(bitPattern: value)) }
}
