import Foundation
import Testing

@testable import keelctl

@Suite struct ImportSourceTests {
    func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "keelctl-\(UUID().uuidString)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func csvParserHandlesQuotesNewlinesAndCRLF() throws {
        let parser = CSVRecordParser()
        let text = Array("a,\"x, \"\"y\"\"\nz\"\r\nb,2".utf8)
        let (first, consumed) = try #require(try parser.parseRecord(text[...], isEnd: false))
        #expect(first == [Array("a".utf8), Array("x, \"y\"\nz".utf8)])
        // The last record has no newline: incomplete until the end of the input.
        #expect(try parser.parseRecord(text[consumed...], isEnd: false) == nil)
        let (last, _) = try #require(try parser.parseRecord(text[consumed...], isEnd: true))
        #expect(last == [Array("b".utf8), Array("2".utf8)])
        #expect(throws: ImportError.self) { try parser.parseRecord(Array("a\"b,c\n".utf8)[...], isEnd: true) }
    }

    @Test func segmentsKeepOneLinePerSourceLineAndEndOnRecordBoundaries() throws {
        let line = #"{"key":"a","value":"1"}"#
        let path = try temporaryFile(line + "\n\n" + #"{"key":"b","value":"2"}"# + "\n" + #"{"key":"c","value":"3"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var source = try ImportSource(path: path, format: .ndjson, startOffset: 0, csvHeader: false)
        let first = try #require(try source.nextSegment(targetBytes: line.utf8.count + 1))
        #expect(first.lines == 1)
        #expect(first.records == 1)
        #expect(first.endOffset == UInt64(line.utf8.count + 1))
        let second = try #require(try source.nextSegment(targetBytes: 1 << 20))
        #expect(second.lines == 3)
        #expect(second.records == 2)
        #expect(try source.nextSegment(targetBytes: 1 << 20) == nil)
        // Resuming at the first segment's end gives exactly the rest.
        var resumed = try ImportSource(path: path, format: .ndjson, startOffset: first.endOffset, csvHeader: false)
        #expect(try resumed.nextSegment(targetBytes: 1 << 20)?.body == second.body)
    }

    @Test func csvBecomesNDJSONWithTheHeaderSkipped() throws {
        let path = try temporaryFile("key,value\nk1,\"hello, world\"\nk2,2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var source = try ImportSource(path: path, format: .csv, startOffset: 0, csvHeader: true)
        let segment = try #require(try source.nextSegment(targetBytes: 1 << 20))
        #expect(segment.records == 2)
        #expect(String(decoding: segment.body, as: UTF8.self)
            == "\n{\"key\":\"k1\",\"value\":\"hello, world\"}\n{\"key\":\"k2\",\"value\":\"2\"}\n")
    }
}
