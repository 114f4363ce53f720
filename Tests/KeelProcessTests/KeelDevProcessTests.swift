import Foundation
import KeelClient
import KeelLocalCluster
import Testing

/// `keel dev`, the README's run command: one process that starts a whole cluster, is
/// usable once it says so, and takes every child with it on SIGTERM.
@Suite(.serialized) struct KeelDevProcessTests {
    @Test func startsAUsableClusterAndStopsEveryChildOnSigterm() async throws {
        let directory = NSTemporaryDirectory() + "keel-dev-\(UUID().uuidString.prefix(8))"
        let outputPath = directory + "-output.log"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: outputPath)
        }
        // `keel dev` numbers its meta and data ports up from --base-port: take a range
        // that is free right now.
        let basePort = try FreePorts.sequentialBase(metaNodes: 3, dataNodes: 3)
        let httpPort = try FreePorts.allocate(1)[0]
        let dev = Process()
        dev.executableURL = URL(fileURLWithPath: try TestCluster.keelBinary())
        dev.arguments = [
            "dev", "--dir", directory, "--http-port", "\(httpPort)", "--base-port", "\(basePort)", "--data-nodes", "3",
            "--initial-shards", "2",
        ]
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        dev.standardOutput = output
        dev.standardError = output
        try dev.run()
        let printed = { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        let client = KeelClient(baseURL: "http://127.0.0.1:\(httpPort)")
        do {
            // Ready when keel dev says so: it prints the endpoints and a curl example.
            try await Self.eventually(timeout: .seconds(90)) { printed().contains("curl") || !dev.isRunning }
            try #require(dev.isRunning, "keel dev exited early: \(printed())")
            #expect(await client.isReady())
            #expect(Self.children(of: directory, httpPort: httpPort).count == 7, "3 meta, 3 data and 1 router process")
            _ = try await client.put("dev/key", Array("hello".utf8))
            #expect(try await client.get("dev/key")?.value == Array("hello".utf8))

            dev.terminate()  // SIGTERM
            try await Self.eventually(timeout: .seconds(30)) { !dev.isRunning }
            #expect(dev.terminationStatus == 0, "keel dev should exit cleanly on SIGTERM")
            #expect(Self.children(of: directory, httpPort: httpPort).isEmpty, "every child stopped with keel dev")
        } catch {
            if dev.isRunning { dev.terminate() }
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }

    /// `keel` processes (other than `keel dev`) whose command line names `directory` or
    /// listens on `httpPort` (the router keeps nothing on disk): one `keel dev`'s children.
    static func children(of directory: String, httpPort: Int) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.first?.hasSuffix("keel") == true && arguments.dropFirst().first != "dev"
                && arguments.contains { $0.hasPrefix(directory) || $0.hasSuffix(":\(httpPort)") }
        }
    }

    static func eventually(timeout: Duration, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LocalClusterError("timed out after \(timeout)")
    }
}
