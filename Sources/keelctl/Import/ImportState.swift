import Foundation

/// Progress of an import, saved beside the file so an interrupted import resumes where the
/// router last acknowledged (`FILE.keel-import.json`).
///
/// It is only valid for the same file (size and modification time), and records the byte
/// offset after the last record of the last fully answered segment: everything before it
/// was written or reported as failed. Re-sending the segment that was in flight is safe,
/// because every record is an idempotent put or delete.
struct ImportState: Codable, Equatable {
    var fileSize: UInt64
    var fileModified: Double
    var offset: UInt64
    /// Lines (CSV: records) of the file consumed, blank lines and a header included.
    var lines: Int
    /// Records sent.
    var records: Int
    var written: Int
    var deleted: Int
    var failed: Int

    static func path(for file: String) -> String { file + ".keel-import.json" }

    static func fingerprint(of file: String) throws -> (size: UInt64, modified: Double) {
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return (size, modified)
    }

    /// The saved state for `file`, if there is one and it matches the file as it is now.
    static func load(for file: String) throws -> ImportState? {
        guard let data = FileManager.default.contents(atPath: path(for: file)) else { return nil }
        let state = try JSONDecoder().decode(ImportState.self, from: data)
        let now = try fingerprint(of: file)
        return state.fileSize == now.size && state.fileModified == now.modified ? state : nil
    }

    /// Writes the state atomically (temporary file, then rename).
    func save(for file: String) throws {
        let data = try JSONEncoder().encode(self)
        let path = Self.path(for: file)
        try data.write(to: URL(fileURLWithPath: path + ".tmp"))
        guard rename(path + ".tmp", path) == 0 else {
            throw ImportError("cannot save import progress to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(for file: String) { try? FileManager.default.removeItem(atPath: path(for: file)) }
}
