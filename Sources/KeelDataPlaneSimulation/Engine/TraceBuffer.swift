/// The last `capacity` lines of what happened in a run, for replaying a failing seed.
/// With capacity zero nothing is formatted at all (the default: tracing costs time).
struct TraceBuffer: Sendable {
    let capacity: Int
    private var lines: [String] = []
    private var next = 0

    init(capacity: Int) {
        self.capacity = capacity
        if capacity > 0 { lines.reserveCapacity(capacity) }
    }

    var isEnabled: Bool { capacity > 0 }

    mutating func record(_ time: SimInstant, _ line: @autoclosure () -> String) {
        guard capacity > 0 else { return }
        let text = "\(time) \(line())"
        if lines.count < capacity {
            lines.append(text)
        } else {
            lines[next] = text
            next = (next + 1) % capacity
        }
    }

    /// The kept lines, oldest first.
    var recent: [String] { Array(lines[next...] + lines[..<next]) }
}
