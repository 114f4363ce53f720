import KeelTypes
import Testing

@Suite struct KeyRangeTests {
    @Test func containsRespectsHalfOpenBounds() {
        let range = KeyRange(start: Array("b".utf8), end: Array("d".utf8))
        #expect(!range.contains(Array("a".utf8)))
        #expect(range.contains(Array("b".utf8)))
        #expect(range.contains(Array("c\u{ff}".utf8)))
        #expect(!range.contains(Array("d".utf8)))
        #expect(KeyRange.all.contains([]))
        #expect(KeyRange.all.contains([0xff, 0xff]))
    }

    @Test func overlapsDetectsSharedKeysOnly() {
        let ab = KeyRange(start: Array("a".utf8), end: Array("b".utf8))
        let bc = KeyRange(start: Array("b".utf8), end: Array("c".utf8))
        let open = KeyRange(start: Array("a\u{1}".utf8), end: nil)
        #expect(!ab.overlaps(bc))
        #expect(!bc.overlaps(ab))
        #expect(ab.overlaps(open))
        #expect(open.overlaps(bc))
    }

    @Test func splitProducesAdjacentHalves() throws {
        let range = KeyRange(start: Array("a".utf8), end: nil)
        let halves = try #require(range.split(at: Array("m".utf8)))
        #expect(halves.left == KeyRange(start: Array("a".utf8), end: Array("m".utf8)))
        #expect(halves.right == KeyRange(start: Array("m".utf8), end: nil))
        #expect(range.split(at: Array("a".utf8)) == nil)
        #expect(KeyRange(start: [], end: Array("c".utf8)).split(at: Array("d".utf8)) == nil)
    }
}
