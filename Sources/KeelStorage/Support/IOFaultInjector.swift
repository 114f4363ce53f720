import Synchronization

/// A test hook that decides the fate of each write and sync before it reaches the kernel,
/// so that full disks and failing devices can be simulated deterministically.
///
/// Production code passes `nil` (the default in every options struct); the cost is one
/// optional check per system call.
public struct IOFaultInjector: Sendable {
    /// What happens to one write.
    public enum WriteDecision: Sendable, Hashable {
        /// The write goes to the kernel unchanged.
        case proceed
        /// The first `bytes` bytes are written, then the call fails with `errno` (as a
        /// file system running out of space mid-write does). `bytes` may be 0.
        case partial(bytes: Int, errno: Int32)
    }

    /// Called before every write with the file, offset and byte count.
    public var beforeWrite: @Sendable (_ path: String, _ offset: UInt64, _ count: Int) -> WriteDecision
    /// Called before every file sync; a non-nil errno makes the sync fail with it.
    public var beforeSync: @Sendable (_ path: String) -> Int32?

    public init(
        beforeWrite: @escaping @Sendable (_ path: String, _ offset: UInt64, _ count: Int) -> WriteDecision = { _, _, _ in .proceed },
        beforeSync: @escaping @Sendable (_ path: String) -> Int32? = { _ in nil }
    ) {
        self.beforeWrite = beforeWrite
        self.beforeSync = beforeSync
    }

    /// A disk with `budget.remainingBytes` of free space: a write that does not fit writes
    /// what fits and fails with ENOSPC. Raise the budget to model freed space.
    public static func disk(_ budget: DiskBudget) -> IOFaultInjector {
        IOFaultInjector(beforeWrite: { _, _, count in budget.consume(count) })
    }
}

/// Free space of a simulated disk, shared by every file written through one injector.
public final class DiskBudget: Sendable {
    private let remaining: Mutex<Int>

    public init(remainingBytes: Int) { remaining = Mutex(remainingBytes) }

    /// The bytes that can still be written.
    public var remainingBytes: Int {
        get { remaining.withLock { $0 } }
        set { remaining.withLock { $0 = newValue } }
    }

    func consume(_ count: Int) -> IOFaultInjector.WriteDecision {
        remaining.withLock { left in
            if count <= left {
                left -= count
                return .proceed
            }
            let written = left
            left = 0
            return .partial(bytes: written, errno: ENOSPC_VALUE)
        }
    }
}
