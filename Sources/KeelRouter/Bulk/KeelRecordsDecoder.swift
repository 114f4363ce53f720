import KeelTypes

/// Incremental decoder of the binary bulk format `application/x-keel-records`.
///
/// A body is a sequence of records, each:
///
///     u8     op          1 = put, 2 = delete
///     u32le  key length  then the key bytes
///     u32le  value length then the value bytes   (put only)
///
/// Records are numbered from 1 (the "line" in errors). A record whose key or value breaks
/// the limits is reported and skipped without buffering its bytes; a stream that ends inside
/// a record, or an unknown op (after which the framing cannot be trusted), ends the load
/// with an error for that record.
struct KeelRecordsDecoder {
    enum Event: Equatable {
        case record(BulkRecord)
        case rejected(BulkLineError)
        /// The stream cannot be decoded further (a framing error was reported).
        case stop
    }

    struct FramingError: Error, Equatable {
        var record: Int
        var message: String
    }

    private enum State {
        case header
        case key(op: UInt8, length: Int)
        case valueLength(key: [UInt8])
        case value(key: [UInt8], length: Int)
        /// Skipping a rejected record's bytes; a rejected put's value follows its key.
        case skip(remaining: Int, error: BulkLineError, valueFollows: Bool)
        case skipValueLength(error: BulkLineError)
    }

    let maxValueBytes: Int
    private var buffer: [UInt8] = []
    private var state = State.header
    private var recordNumber = 0

    init(maxValueBytes: Int) {
        self.maxValueBytes = maxValueBytes
    }

    mutating func feed(_ chunk: some Collection<UInt8>, _ emit: (Event) throws -> Void) throws {
        buffer.append(contentsOf: chunk)
        var consumed = 0
        defer { buffer.removeFirst(consumed) }
        while true {
            let available = buffer.count - consumed
            switch state {
            case .header:
                guard available >= 5 else { return }
                let op = buffer[consumed]
                let length = readLength(at: consumed + 1)
                consumed += 5
                recordNumber += 1
                guard op == 1 || op == 2 else {
                    throw FramingError(record: recordNumber, message: "unknown op \(op); expected 1 (put) or 2 (delete)")
                }
                if length == 0 || length > KeelLimits.maxKeyBytes {
                    let error = BulkLineError(
                        line: recordNumber, code: length == 0 ? .invalidKey : .keyTooLong,
                        message: "the key is \(length) bytes; keys are 1 to \(KeelLimits.maxKeyBytes) bytes")
                    state = .skip(remaining: length, error: error, valueFollows: op == 1)
                } else {
                    state = .key(op: op, length: length)
                }
            case .key(let op, let length):
                guard available >= length else { return }
                let key = Array(buffer[consumed..<consumed + length])
                consumed += length
                if op == 2 {
                    state = .header
                    try emitValidated(key: key, mutation: .delete(key: key, condition: .none), emit)
                } else {
                    state = .valueLength(key: key)
                }
            case .valueLength(let key):
                guard available >= 4 else { return }
                let length = readLength(at: consumed)
                consumed += 4
                if length > maxValueBytes {
                    let error = BulkLineError(
                        line: recordNumber, code: .valueTooLarge,
                        message: "the value is \(length) bytes; the limit is \(maxValueBytes)")
                    state = .skip(remaining: length, error: error, valueFollows: false)
                } else {
                    state = .value(key: key, length: length)
                }
            case .value(let key, let length):
                guard available >= length else { return }
                let value = Array(buffer[consumed..<consumed + length])
                consumed += length
                state = .header
                try emitValidated(key: key, mutation: .put(key: key, value: value, condition: .none), emit)
            case .skip(let remaining, let error, let valueFollows):
                let skipped = min(remaining, available)
                consumed += skipped
                guard skipped == remaining else {
                    state = .skip(remaining: remaining - skipped, error: error, valueFollows: valueFollows)
                    return
                }
                if valueFollows {
                    state = .skipValueLength(error: error)
                } else {
                    state = .header
                    try emit(.rejected(error))
                }
            case .skipValueLength(let error):
                guard available >= 4 else { return }
                let length = readLength(at: consumed)
                consumed += 4
                state = .skip(remaining: length, error: error, valueFollows: false)
            }
        }
    }

    /// Ends the stream; an unfinished record is a framing error.
    func finish() throws {
        if case .header = state, buffer.isEmpty { return }
        throw FramingError(record: recordNumber + (isBetweenRecords ? 1 : 0), message: "the body ends inside a record")
    }

    private var isBetweenRecords: Bool {
        if case .header = state { return true }
        return false
    }

    private func readLength(at offset: Int) -> Int {
        Int(buffer[offset]) | Int(buffer[offset + 1]) << 8 | Int(buffer[offset + 2]) << 16 | Int(buffer[offset + 3]) << 24
    }

    private func emitValidated(key: [UInt8], mutation: Mutation, _ emit: (Event) throws -> Void) throws {
        let event: Event
        do {
            try KeyValidation.validate(key)
            event = .record(BulkRecord(line: recordNumber, mutation: mutation))
        } catch {
            event = .rejected(BulkLineError(line: recordNumber, code: error.code, message: error.message))
        }
        try emit(event)
    }
}
