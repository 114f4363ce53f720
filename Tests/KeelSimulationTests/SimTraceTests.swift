import KeelSimulation
import Testing

@Suite struct SimTraceTests {
    @Test func hashDependsOnContentAndOrder() {
        var a = SimTrace()
        var b = SimTrace()
        var c = SimTrace()
        a.record(1, 2)
        b.record(1, 2)
        c.record(2, 1)
        #expect(a.hash == b.hash)
        #expect(a.hash != c.hash)
        #expect(SimTrace.stableHash("raft") == SimTrace.stableHash("raft"))
        #expect(SimTrace.stableHash("raft") != SimTrace.stableHash("Raft"))
    }

    @Test func keepsOnlyTheLastLinesAndOnlyWhenAsked() {
        var quiet = SimTrace()
        quiet.note("never built")
        #expect(quiet.lines.isEmpty)
        var kept = SimTrace(keepsLines: true, maxLines: 3)
        for i in 1...5 { kept.note("line \(i)") }
        #expect(kept.lines == ["line 3", "line 4", "line 5"])
    }
}
