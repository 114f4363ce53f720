#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ENOSPC, exported for code that must not import the C library itself.
let ENOSPC_VALUE: Int32 = ENOSPC

/// An open file, closed when the last reference goes away.
///
/// All I/O is positional (`pread`/`pwrite`), so one file can be read by many threads while
/// one writer appends. Every failure becomes a `StorageError` naming the call, the file
/// and the offset; ENOSPC/EDQUOT/EFBIG become `disk_full`.
final class StorageFile: Sendable {
    let descriptor: Int32
    let path: String
    let faults: IOFaultInjector?

    private init(descriptor: Int32, path: String, faults: IOFaultInjector?) {
        self.descriptor = descriptor
        self.path = path
        self.faults = faults
    }

    deinit { _ = Glibc_close(descriptor) }

    /// Opens `path` for reading and writing, creating it (empty) when `create` is set.
    static func open(_ path: String, create: Bool = false, faults: IOFaultInjector? = nil) throws(StorageError) -> StorageFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = retryingInterrupts { Glibc_open(path, flags, 0o644) }
        guard fd >= 0 else { throw .system("open", errno: errno, path: path) }
        return StorageFile(descriptor: fd, path: path, faults: faults)
    }

    /// The file's size in bytes.
    func size() throws(StorageError) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system("fstat", errno: errno, path: path) }
        return UInt64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(StorageError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("pread of \(buffer.count) bytes", errno: errno, path: path, offset: offset)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads `count` bytes at `offset` into a new array (shorter only at the end of the file).
    func read(count: Int, at offset: UInt64) throws(StorageError) -> [UInt8] {
        var failure: StorageError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(StorageError) { initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset) } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at `offset`, or throws (a failed write may have written a prefix).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(StorageError) {
        var limit = bytes.count
        var injected: Int32?
        if let faults, case .partial(let allowed, let number) = faults.beforeWrite(path, offset, bytes.count) {
            limit = min(allowed, bytes.count)
            injected = number
        }
        var done = 0
        while done < limit {
            let n = pwrite(descriptor, bytes.baseAddress! + done, limit - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("pwrite of \(bytes.count) bytes", errno: errno, path: path, offset: offset + UInt64(done))
            }
            done += n
        }
        if let injected {
            throw .system("pwrite of \(bytes.count) bytes", errno: injected, path: path, offset: offset + UInt64(done))
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws(StorageError) {
        try bytes.withStorageBytes { raw throws(StorageError) in try write(raw, at: offset) }
    }

    /// Makes the file's data (and its size) durable: `fdatasync` on Linux, `F_FULLFSYNC`
    /// on Apple platforms, where plain `fsync` does not flush the drive's cache.
    func sync() throws(StorageError) {
        if let number = faults?.beforeSync(path) { throw .system("fsync", errno: number, path: path) }
        #if canImport(Darwin)
        let result = retryingInterrupts { fcntl(descriptor, F_FULLFSYNC) }
        #else
        let result = retryingInterrupts { fdatasync(descriptor) }
        #endif
        guard result == 0 else { throw .system("fsync", errno: errno, path: path) }
    }

    /// Cuts the file to `size` bytes.
    func truncate(to size: UInt64) throws(StorageError) {
        guard retryingInterrupts({ ftruncate(descriptor, off_t(size)) }) == 0 else {
            throw .system("ftruncate to \(size) bytes", errno: errno, path: path)
        }
    }
}

/// Directory operations the log and store need, each failing with a `StorageError`.
enum FileSystem {
    /// Creates `path` and its missing parents.
    static func makeDirectory(_ path: String) throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .system("mkdir", errno: errno, path: prefix)
            }
        }
    }

    /// The names in `path`, without "." and "..".
    static func list(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw .system("opendir", errno: errno, path: path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes the directory's entries (creations, renames, removals) durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = Glibc_open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY, 0)
        guard fd >= 0 else { throw .system("open directory", errno: errno, path: path) }
        defer { _ = Glibc_close(fd) }
        guard retryingInterrupts({ fsync(fd) }) == 0 else { throw .system("fsync directory", errno: errno, path: path) }
    }

    static func rename(_ from: String, to: String) throws(StorageError) {
        guard Glibc.rename(from, to) == 0 else { throw .system("rename to \(to)", errno: errno, path: from) }
    }

    static func remove(_ path: String) throws(StorageError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .system("unlink", errno: errno, path: path) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The size of the file at `path`, or 0 when it does not exist.
    static func size(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }
}

/// Repeats a system call while it fails with EINTR.
@inline(__always)
func retryingInterrupts(_ call: () -> Int32) -> Int32 {
    var result: Int32
    repeat { result = call() } while result < 0 && errno == EINTR
    return result
}

// Names for the C calls that Swift members shadow inside the types above.
@inline(__always) private func Glibc_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) private func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
