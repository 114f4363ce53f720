import Foundation
import KeelClient

/// One run of `keelctl import`: reads segments, sends each as a streamed bulk request, saves
/// progress after each answer, and keeps the totals.
struct ImportRun {
    let file: String
    let format: ImportSource.Format
    let csvHeader: Bool
    let segmentBytes: Int
    let restart: Bool
    let client: KeelClient

    func run() async throws -> ImportReport {
        let fingerprint = try ImportState.fingerprint(of: file)
        if restart { ImportState.remove(for: file) }
        var state = try ImportState.load(for: file) ?? ImportState(
            fileSize: fingerprint.size, fileModified: fingerprint.modified, offset: 0, lines: 0, records: 0, written: 0, deleted: 0,
            failed: 0)
        let resumedFrom = state.offset
        if resumedFrom > 0 {
            FileHandle.standardError.write(Data("resuming at byte \(resumedFrom) (\(state.records) records done)\n".utf8))
        }
        var source = try ImportSource(path: file, format: format, startOffset: state.offset, csvHeader: csvHeader)
        var progress = ProgressLine(totalBytes: fingerprint.size)
        var report = ImportReport(resumedFromByte: resumedFrom)
        let started = ContinuousClock.now
        while let segment = try source.nextSegment(targetBytes: segmentBytes) {
            let firstLine = state.lines
            if segment.records > 0 {
                let result = try await send(segment.body)
                report.absorb(result, lineOffset: firstLine)
                state.written += result.written
                state.deleted += result.deleted
                state.failed += result.failed
            }
            state.records += segment.records
            state.lines += segment.lines
            state.offset = segment.endOffset
            try state.save(for: file)
            progress.update(
                bytesDone: state.offset, bytesThisRun: state.offset - resumedFrom, records: state.records,
                failed: state.failed)
        }
        progress.update(bytesDone: state.offset, bytesThisRun: state.offset - resumedFrom, records: state.records, failed: state.failed, force: true)
        progress.finish()
        ImportState.remove(for: file)
        report.totals = (state.records, state.written, state.deleted, state.failed)
        report.elapsed = ContinuousClock.now - started
        report.bytes = state.offset - resumedFrom
        return report
    }

    private func send(_ body: [UInt8]) async throws -> KeelClient.BulkResult {
        try await client.bulk(bytes: body)
    }
}

/// What an import did, printed at the end.
struct ImportReport {
    var resumedFromByte: UInt64
    var totals: (records: Int, written: Int, deleted: Int, failed: Int) = (0, 0, 0, 0)
    var elapsed: Duration = .zero
    var bytes: UInt64 = 0
    var errors: [KeelClient.BulkResult.LineError] = []
    var failed: Int { totals.failed }

    mutating func absorb(_ result: KeelClient.BulkResult, lineOffset: Int) {
        for error in result.errors where errors.count < 20 {
            var error = error
            error.line += lineOffset
            errors.append(error)
        }
    }

    func print(as format: OutputFormat) {
        let seconds = max(ProgressLine.seconds(elapsed), 0.001)
        switch format {
        case .json:
            let object: [String: Any] = [
                "records": totals.records, "written": totals.written, "deleted": totals.deleted, "failed": totals.failed,
                "seconds": seconds, "bytes": bytes, "resumed_from_byte": resumedFromByte,
                "errors": errors.map { ["line": $0.line, "code": $0.code, "message": $0.message] },
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            Swift.print(String(decoding: data, as: UTF8.self))
        case .table:
            Swift.print("records  \(totals.records)\nwritten  \(totals.written)\ndeleted  \(totals.deleted)\nfailed   \(totals.failed)")
            Swift.print(String(format: "time     %.1f s (%.0f records/s, %.1f MB/s)", seconds,
                               Double(totals.records) / seconds, Double(bytes) / seconds / 1_048_576))
            for error in errors { Swift.print("line \(error.line): \(error.code): \(error.message)") }
            if totals.failed > errors.count { Swift.print("… and \(totals.failed - errors.count) more failed records") }
        }
    }
}
