/// A priority queue of simulated events ordered by (time, sequence).
///
/// Two events scheduled for the same instant come out in the order they were scheduled,
/// so a run never depends on how the heap breaks ties: the same schedule always drains
/// in the same order. The queue holds at most `capacity` events; scheduling past it adds
/// nothing and returns false, for the simulation to report (an unbounded feedback loop).
public struct EventQueue<Event>: Sendable where Event: Sendable {
    private struct Item: Sendable {
        var time: UInt64
        var sequence: UInt64
        var event: Event

        func precedes(_ other: Item) -> Bool {
            time != other.time ? time < other.time : sequence < other.sequence
        }
    }

    private var heap: [Item] = []
    private var nextSequence: UInt64 = 0
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
        heap.reserveCapacity(min(capacity, 4096))
    }

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// When the earliest event is due, or nil when the queue is empty.
    public var nextTime: UInt64? { heap.first?.time }

    /// Schedules `event` at `time` (simulated nanoseconds); false (and nothing added) when
    /// the queue is full.
    @discardableResult
    public mutating func schedule(_ event: Event, at time: UInt64) -> Bool {
        guard heap.count < capacity else { return false }
        heap.append(Item(time: time, sequence: nextSequence, event: event))
        nextSequence += 1
        siftUp(heap.count - 1)
        return true
    }

    /// Removes and returns the earliest event.
    public mutating func popNext() -> (time: UInt64, event: Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let item = heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
        return (item.time, item.event)
    }

    /// Removes every event for which `isDropped` is true (keeping the others' order).
    public mutating func removeAll(where isDropped: (Event) -> Bool) {
        heap.removeAll { isDropped($0.event) }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
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
            let right = left + 1
            var first = parent
            if left < heap.count && heap[left].precedes(heap[first]) { first = left }
            if right < heap.count && heap[right].precedes(heap[first]) { first = right }
            if first == parent { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }
}
