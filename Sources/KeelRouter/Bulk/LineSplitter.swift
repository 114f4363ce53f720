/// Splits a byte stream into lines without ever holding more than one line.
///
/// Lines end at `\n` (a trailing `\r` is dropped). A line longer than `maxLineBytes` is
/// not buffered: it is reported as `.tooLong` and its bytes are skipped up to the next
/// newline, so memory stays bounded whatever the input.
struct LineSplitter {
    enum Line: Equatable {
        case complete(number: Int, bytes: [UInt8])
        case tooLong(number: Int)
    }

    let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var skippingLongLine = false
    private(set) var linesSeen = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds the next chunk; `emit` is called for every line the chunk completes.
    mutating func feed<C: Collection<UInt8>>(_ chunk: C, _ emit: (Line) throws -> Void) rethrows {
        var start = chunk.startIndex
        while start != chunk.endIndex {
            guard let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                append(chunk[start...])
                return
            }
            append(chunk[start..<newline])
            try emitLine(emit)
            start = chunk.index(after: newline)
        }
    }

    /// Ends the stream: a last line without a newline is emitted.
    mutating func finish(_ emit: (Line) throws -> Void) rethrows {
        if !partial.isEmpty || skippingLongLine { try emitLine(emit) }
    }

    private mutating func append<S: Collection<UInt8>>(_ bytes: S) {
        guard !skippingLongLine else { return }
        if partial.count + bytes.count > maxLineBytes {
            skippingLongLine = true
            partial = []
        } else {
            partial.append(contentsOf: bytes)
        }
    }

    private mutating func emitLine(_ emit: (Line) throws -> Void) rethrows {
        linesSeen += 1
        defer {
            partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
            skippingLongLine = false
        }
        if skippingLongLine {
            try emit(.tooLong(number: linesSeen))
            return
        }
        if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
        try emit(.complete(number: linesSeen, bytes: partial))
    }
}
