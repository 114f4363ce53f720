/// The append messages a leader has in flight to one follower: a bounded FIFO of the
/// last index each message carried. When full, the leader stops sending (flow control).
///
/// A ring buffer allocated once, on first use, at the window's capacity.
struct Inflights: Sendable {
    private var buffer: [LogIndex] = []
    private var head = 0
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var isFull: Bool { count >= capacity }

    mutating func add(lastIndex: LogIndex) {
        precondition(!isFull, "inflight window overflow")
        if buffer.isEmpty { buffer = Array(repeating: .zero, count: capacity) }
        buffer[(head + count) % capacity] = lastIndex
        count += 1
    }

    /// Frees every message whose last index is at or below `index` (acknowledged).
    mutating func free(through index: LogIndex) {
        while count > 0 && buffer[head] <= index {
            head = (head + 1) % capacity
            count -= 1
        }
    }

    mutating func reset() {
        head = 0
        count = 0
    }
}
