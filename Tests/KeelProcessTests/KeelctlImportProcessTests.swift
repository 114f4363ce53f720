import Foundation
import KeelClient
import KeelLocalCluster
import KeelTypes
import Testing

/// `keelctl import` against a real cluster: a load, bad records reported by line, and a
/// resumed load after an interruption.
@Suite(.serialized) struct KeelctlImportProcessTests {
    static func keelctl() throws -> String {
        let keel = try TestCluster.keelBinary()
        return URL(fileURLWithPath: keel).deletingLastPathComponent().appendingPathComponent("keelctl").path
    }

    /// Runs keelctl to completion (or until `killAfter`), returning its exit status and output.
    static func run(_ arguments: [String], killWhenExists marker: String? = nil) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try keelctl())
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        if let marker {
            // Kill the import as soon as it has saved progress once.
            for _ in 0..<600 where process.isRunning && !FileManager.default.fileExists(atPath: marker) {
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func importsReportsBadLinesAndResumes() async throws {
        let cluster = try TestCluster(initialShards: 2)
        try cluster.start()
        let file = cluster.directory + "/load.ndjson"
        do {
            try await cluster.waitUntilReady()
            var text = ""
            for index in 0..<60_000 { text += "{\"key\":\"imp/\(index)\",\"value\":\"v\(index)\"}\n" }
            text += "this is not json\n"
            try FileManager.default.createDirectory(atPath: cluster.directory, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)

            // An import killed early leaves its progress beside the file…
            _ = try await Self.run(["import", file, "--router", cluster.routerURL, "--segment-mib", "1"], killWhenExists: file + ".keel-import.json")
            #expect(FileManager.default.fileExists(atPath: file + ".keel-import.json"))
            // …and running it again finishes the job from where it stopped.
            let result = try await Self.run(["import", file, "--router", cluster.routerURL, "--segment-mib", "1", "--output", "json"])
            #expect(result.status == 2, "one bad record makes the exit status 2: \(result.output.suffix(600))")
            let summary = try #require(result.output.split(separator: "\n").last.flatMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            })
            #expect(summary["failed"] as? Int == 1)
            let errors = try #require(summary["errors"] as? [[String: Any]])
            #expect(errors.first?["line"] as? Int == 60_001)
            #expect((summary["resumed_from_byte"] as? Int ?? 0) > 0)
            #expect(!FileManager.default.fileExists(atPath: file + ".keel-import.json"), "progress is removed when the import completes")
            for index in stride(from: 0, to: 60_000, by: 997) {
                #expect(try await cluster.client.get("imp/\(index)")?.value == Array("v\(index)".utf8))
            }
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }
}
