import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exclusive ownership of a data directory, held until the lock is released or the
/// process dies: a POSIX record lock on `DIR/LOCK` against other processes, and a registry
/// against a second handle in this process.
///
/// POSIX record locks (not `flock`) because they are not inherited by child processes: a
/// child forked between our `close` and a reopen would otherwise keep holding the lock.
final class DirectoryLock: Sendable {
    private static let held = Mutex<Set<String>>([])
    private let descriptor: Int32
    private let key: String

    /// Takes the lock on `directory` (which must exist), or throws `locked`.
    init(directory: String) throws(StorageError) {
        let path = directory + "/LOCK"
        let key = Self.canonical(directory)
        let registered = Self.held.withLock { $0.insert(key).inserted }
        guard registered else {
            throw StorageError(.locked, "this process already has the directory open", path: path)
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let number = errno
            _ = Self.held.withLock { $0.remove(key) }
            throw .system("open", errno: number, path: path)
        }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        guard fcntl(descriptor, F_SETLK, &request) == 0 else {
            let number = errno
            close(descriptor)
            _ = Self.held.withLock { $0.remove(key) }
            if number == EAGAIN || number == EACCES {
                throw StorageError(.locked, "another process has the directory open", path: path)
            }
            throw .system("fcntl(F_SETLK)", errno: number, path: path)
        }
        self.descriptor = descriptor
        self.key = key
    }

    /// Closes the descriptor (releasing the record lock) before leaving the registry: a
    /// close after a new handle's lock would release that lock too (POSIX locks are per
    /// process, and any close of the file drops them).
    deinit {
        close(descriptor)
        _ = Self.held.withLock { $0.remove(key) }
    }

    private static func canonical(_ directory: String) -> String {
        guard let resolved = realpath(directory, nil) else { return directory }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
