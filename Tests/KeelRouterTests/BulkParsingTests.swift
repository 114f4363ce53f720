@testable import KeelRouter
import KeelTypes
import Testing

@Suite struct BulkParsingTests {
    @Test func lineSplitterHandlesChunkBoundariesCRLFAndLongLines() {
        var splitter = LineSplitter(maxLineBytes: 5)
        var lines: [LineSplitter.Line] = []
        for chunk in ["ab", "c\r\nde", "f\n123456789", "0\nxy"] { splitter.feed(Array(chunk.utf8)) { lines.append($0) } }
        splitter.finish { lines.append($0) }
        #expect(lines == [
            .complete(number: 1, bytes: Array("abc".utf8)), .complete(number: 2, bytes: Array("def".utf8)),
            .tooLong(number: 3), .complete(number: 4, bytes: Array("xy".utf8)),
        ])
    }

    @Test func flatJSONObjectDecodesEscapes() throws {
        let object = try FlatJSONObject(parsing: Array(#" { "key" : "a\"b\\\/\u00e9\ud83d\ude00" , "value":null } "#.utf8))
        #expect(object.fields["key"] == .some(.some(Array("a\"b\\/é😀".utf8))))
        #expect(object.fields["value"] == .some(.none))
    }

    @Test(arguments: [
        #"{"key":"a""#, #"{"key":1}"#, #"{"key":"a",}"#, #"{"key":"a"} x"#, #"{"key":"\q"}"#, #"{"key":"\ud800"}"#,
        "{\"key\":\"a\u{1}\"}", #"{"key":"a","key":"b"}"#, #"["key"]"#,
    ])
    func flatJSONObjectRejectsMalformedLines(_ line: String) {
        #expect(throws: FlatJSONObject.Failure.self) { try FlatJSONObject(parsing: Array(line.utf8)) }
    }

    @Test func percentDecodingIsStrict() throws {
        #expect(try PercentDecoding.decode(Array("a%20b+c%2f".utf8)) == Array("a b+c/".utf8))
        #expect(throws: PercentDecoding.Failure(offset: 1)) { try PercentDecoding.decode(Array("a%2".utf8)) }
        #expect(PercentDecoding.encode(Array("a b/é".utf8)) == "a%20b%2F%C3%A9")
    }

    @Test func prefixSuccessor() {
        #expect(ScanRequest.successor(ofPrefix: Array("ab".utf8)) == Array("ac".utf8))
        #expect(ScanRequest.successor(ofPrefix: [0x61, 0xFF]) == [0x62])
        #expect(ScanRequest.successor(ofPrefix: [0xFF, 0xFF]) == nil)
    }
}
