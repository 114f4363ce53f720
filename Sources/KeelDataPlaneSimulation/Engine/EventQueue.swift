/// The simulator's agenda: events ordered by simulated time, ties broken by the order in
/// which they were scheduled, so a seed always replays the same sequence.
///
/// A binary min-heap; `schedule` and `pop` are O(log n). Bounded by `capacity`: scheduling
/// beyond it reports failure instead of growing without limit.
struct EventQueue<Event: Sendable>: Sendable {
    private struct Entry {
        var at: SimInstant
        var sequence: UInt64
        var event: Event

        func precedes(_ other: Entry) -> Bool {
            at != other.at ? at < other.at : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        heap.reserveCapacity(min(capacity, 4096))
    }

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// Adds `event` at `at`; false (and nothing added) when the queue is full.
    @discardableResult
    mutating func schedule(_ event: Event, at: SimInstant) -> Bool {
        guard heap.count < capacity else { return false }
        heap.append(Entry(at: at, sequence: nextSequence, event: event))
        nextSequence += 1
        siftUp(heap.count - 1)
        return true
    }

    /// Removes and returns the earliest event.
    mutating func pop() -> (at: SimInstant, event: Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
        return (first.at, first.event)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let smaller = right < heap.count && heap[right].precedes(heap[left]) ? right : left
            guard heap[smaller].precedes(heap[parent]) else { return }
            heap.swapAt(smaller, parent)
            parent = smaller
        }
    }
}
