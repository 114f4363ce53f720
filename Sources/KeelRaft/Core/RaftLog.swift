/// The in-memory log of a node: the snapshot boundary and every entry after it, plus the
/// commit index.
///
/// Entries live in one array with a moving start offset, so that compaction and slicing
/// never copy the whole log; the dead prefix is dropped once it outweighs the live part.
/// Terms never decrease along the log, which lets term look-ups binary-search.
struct RaftLog: Sendable {
    /// Index and term of the last entry covered by the snapshot (zero when none).
    private(set) var snapshotIndex: LogIndex
    private(set) var snapshotTerm: Term
    private var storage: [Entry]
    /// Position in `storage` of the entry at `snapshotIndex + 1`.
    private var start: Int
    /// Highest index known to be committed (never below `snapshotIndex`).
    private(set) var committed: LogIndex

    init(snapshotIndex: LogIndex, snapshotTerm: Term, entries: [Entry], committed: LogIndex) {
        self.snapshotIndex = snapshotIndex
        self.snapshotTerm = snapshotTerm
        self.storage = entries
        self.start = 0
        self.committed = max(committed, snapshotIndex)
    }

    var firstIndex: LogIndex { snapshotIndex.next }
    var lastIndex: LogIndex { snapshotIndex.advanced(by: storage.count - start) }
    var lastTerm: Term { storage.count > start ? storage[storage.count - 1].term : snapshotTerm }
    var count: Int { storage.count - start }

    private func position(_ index: LogIndex) -> Int {
        start + Int(index.rawValue - snapshotIndex.rawValue - 1)
    }

    /// Term of the entry at `index`; nil when compacted away (below the snapshot) or
    /// beyond the last entry.
    func term(at index: LogIndex) -> Term? {
        if index == snapshotIndex { return snapshotTerm }
        guard index > snapshotIndex, index <= lastIndex else { return nil }
        return storage[position(index)].term
    }

    func entry(at index: LogIndex) -> Entry? {
        guard index > snapshotIndex, index <= lastIndex else { return nil }
        return storage[position(index)]
    }

    func matches(index: LogIndex, term: Term) -> Bool { self.term(at: index) == term }

    /// Raft's "at least as up to date" order on logs (§5.4.1).
    func isUpToDate(lastIndex otherIndex: LogIndex, lastTerm otherTerm: Term) -> Bool {
        otherTerm > lastTerm || (otherTerm == lastTerm && otherIndex >= lastIndex)
    }

    /// The stored entries in `[from, through]` (clamped to what is stored), without copying.
    func slice(from: LogIndex, through: LogIndex) -> ArraySlice<Entry> {
        let low = max(from, firstIndex)
        let high = min(through, lastIndex)
        guard low <= high else { return [] }
        return storage[position(low)...position(high)]
    }

    /// Entries from `from` on whose total `sizeBytes` stays within `maxBytes`; at least one
    /// entry when any is stored at `from`.
    func entries(from: LogIndex, maxBytes: Int) -> [Entry] {
        guard from > snapshotIndex, from <= lastIndex else { return [] }
        let first = position(from)
        var end = first
        var bytes = 0
        while end < storage.count {
            bytes += storage[end].sizeBytes
            if bytes > maxBytes && end > first { break }
            end += 1
        }
        return Array(storage[first..<end])
    }

    mutating func append(_ entry: Entry) {
        storage.append(entry)
    }

    /// Replaces everything from `entries.first.index` on by `entries`. The first index
    /// must be in `[firstIndex, lastIndex + 1]` and above the commit index.
    mutating func truncateAndAppend(_ entries: ArraySlice<Entry>) {
        guard let first = entries.first?.index else { return }
        precondition(first > committed && first > snapshotIndex && first <= lastIndex.next,
                     "truncation at \(first) with commit \(committed) and last \(lastIndex)")
        storage.removeSubrange(position(first)..<storage.count)
        storage.append(contentsOf: entries)
    }

    mutating func commit(to index: LogIndex) {
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex)")
        if index > committed { committed = index }
    }

    /// Drops entries up to and including `index` (which must be stored and committed).
    mutating func compact(through index: LogIndex) {
        guard index > snapshotIndex, let newTerm = term(at: index) else { return }
        start = position(index) + 1
        snapshotIndex = index
        snapshotTerm = newTerm
        if start >= 64 && start * 2 >= storage.count {
            storage.removeSubrange(0..<start)
            start = 0
        }
    }

    /// Replaces the whole log by a snapshot boundary (snapshot install).
    mutating func reset(snapshotIndex newIndex: LogIndex, snapshotTerm newTerm: Term) {
        storage.removeAll()
        start = 0
        snapshotIndex = newIndex
        snapshotTerm = newTerm
        committed = newIndex
    }

    /// Smallest index `i` in `[snapshotIndex, through]` whose term is at least `term`.
    private func lowerBound(term target: Term, through: LogIndex) -> LogIndex {
        var low = snapshotIndex
        var high = min(through, lastIndex)
        if snapshotTerm >= target { return snapshotIndex }
        // Invariant: term(low) < target; answer in (low, high + 1].
        while low < high {
            let middle = LogIndex(low.rawValue + (high.rawValue - low.rawValue + 1) / 2)
            if storage[position(middle)].term < target { low = middle } else { high = middle.previous }
        }
        return low.next
    }

    /// First index of the term of the entry at `index` (at least `snapshotIndex`).
    func firstIndexOfTerm(at index: LogIndex) -> LogIndex? {
        guard let target = term(at: index) else { return nil }
        return lowerBound(term: target, through: index)
    }

    /// Last index at or below `through` whose entry has exactly `term`, if any.
    func lastIndex(ofTerm target: Term, atOrBelow through: LogIndex) -> LogIndex? {
        let bound = min(through, lastIndex)
        guard bound >= snapshotIndex else { return nil }
        // Largest index with term <= target is lowerBound(target.next) - 1.
        let candidate = target.rawValue == UInt64.max ? bound : lowerBound(term: target.next, through: bound).previous
        guard candidate >= snapshotIndex, candidate <= bound, term(at: candidate) == target else { return nil }
        return candidate
    }
}
