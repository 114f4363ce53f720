import Foundation
import KeelStorage

/// Writes small files atomically and durably: a temporary file is written and synced,
/// renamed over the target, and the directory synced, so a crash leaves either the old
/// file or the new one, never a mix.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard result > 0 else {
                let error = failure("cannot write", temporary)
                close(fd)
                throw error
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            let error = failure("cannot sync", temporary)
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure("cannot rename into", path) }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw failure("cannot open the directory of", path) }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw failure("cannot sync the directory of", path) }
    }

    static func read(_ path: String) throws(StorageError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure("cannot read", path) }
        return [UInt8](data)
    }

    private static func failure(_ what: String, _ path: String) -> StorageError {
        let code: StorageError.Code = errno == ENOSPC ? .diskFull : .ioError
        return StorageError(code, "\(what) \(path): \(String(cString: strerror(errno)))", path: path)
    }
}
