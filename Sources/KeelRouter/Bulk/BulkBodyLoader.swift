import Hummingbird
import KeelTypes

/// Streams a bulk request body through a decoder into a `BulkIngest`.
///
/// The body is read chunk by chunk as the pipeline drains; the router never holds more
/// than one line (or binary record) plus the ingest's bounded buffers, whatever the size
/// of the body.
struct BulkBodyLoader<Service: KeyValueService> {
    let service: Service
    let configuration: RouterHTTPConfiguration

    func loadNDJSON(_ body: RequestBody) async throws -> BulkSummary {
        let decoder = NDJSONRecordDecoder(maxValueBytes: configuration.maxValueBytes)
        var splitter = LineSplitter(maxLineBytes: configuration.maxBulkLineBytes)
        let maxLine = configuration.maxBulkLineBytes
        return try await load(body) { chunk, isLast, events in
            let decode = { (line: LineSplitter.Line) in
                switch line {
                case .complete(let number, let bytes):
                    do throws(BulkLineError) {
                        if let record = try decoder.decode(bytes, line: number) { events.append(.record(record)) }
                    } catch {
                        events.append(.rejected(error))
                    }
                case .tooLong(let number):
                    events.append(.rejected(BulkLineError(
                        line: number, code: .valueTooLarge, message: "the line is longer than \(maxLine) bytes")))
                }
            }
            if let chunk { splitter.feed(chunk.readableBytesView, decode) }
            if isLast { splitter.finish(decode) }
        }
    }

    func loadRecords(_ body: RequestBody) async throws -> BulkSummary {
        var decoder = KeelRecordsDecoder(maxValueBytes: configuration.maxValueBytes)
        return try await load(body) { chunk, isLast, events in
            do {
                if let chunk { try decoder.feed(chunk.readableBytesView) { events.append($0) } }
                if isLast { try decoder.finish() }
            } catch let error as KeelRecordsDecoder.FramingError {
                events.append(.rejected(BulkLineError(line: error.record, code: .malformedLine, message: error.message)))
                events.append(.stop)
            }
        }
    }

    /// Drives `decode` over the body: called with each chunk, then once with `nil, true`.
    private func load(
        _ body: RequestBody,
        decode: (ByteBuffer?, Bool, inout [KeelRecordsDecoder.Event]) throws -> Void
    ) async throws -> BulkSummary {
        let service = self.service
        let limits = configuration.bulk
        return try await withThrowingTaskGroup(of: BulkBatchAnswer.self) { group in
            var ingest = BulkIngest(service: service, limits: limits)
            var events: [KeelRecordsDecoder.Event] = []
            var stopped = false
            func drain() async throws {
                for event in events {
                    switch event {
                    case .record(let record): try await ingest.add(record, group: &group)
                    case .rejected(let error): ingest.reject(error)
                    case .stop: stopped = true
                    }
                }
                events.removeAll(keepingCapacity: true)
            }
            for try await chunk in body {
                try decode(chunk, false, &events)
                try await drain()
                if stopped { break }
            }
            if !stopped {
                try decode(nil, true, &events)
                try await drain()
            }
            return try await ingest.finish(group: &group)
        }
    }
}
