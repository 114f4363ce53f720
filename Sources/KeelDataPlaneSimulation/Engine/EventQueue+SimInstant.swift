import KeelSimulation

/// The data-plane simulation's agenda is `KeelSimulation.EventQueue` (ordered by time, then
/// by scheduling order), read and written in `SimInstant`s.
extension EventQueue {
    /// Adds `event` at `at`; false (and nothing added) when the queue is full.
    @discardableResult
    mutating func schedule(_ event: Event, at instant: SimInstant) -> Bool {
        schedule(event, at: instant.nanoseconds)
    }

    /// Removes and returns the earliest event.
    mutating func pop() -> (at: SimInstant, event: Event)? {
        popNext().map { (SimInstant(nanoseconds: $0.time), $0.event) }
    }
}
