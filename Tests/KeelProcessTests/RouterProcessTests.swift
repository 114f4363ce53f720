import Foundation
import KeelClient
import KeelTypes
import NIOCore
import Testing

/// The router's HTTP API against a real cluster (issue 6).
@Suite(.serialized) struct RouterProcessTests {
    static let token = "test-token-\(UUID().uuidString.prefix(6))"

    /// A cluster whose router wants a token and takes values up to 64 KiB, its shards
    /// replicated by `replication` (primary-backup, or the Raft baseline).
    func withCluster(replication: String = "primary-backup", _ body: (TestCluster, KeelClient, RawHTTP) async throws -> Void) async throws {
        let tokenFile = NSTemporaryDirectory() + "keel-token-\(UUID().uuidString)"
        try Self.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let cluster = try TestCluster(replicas: replication == "raft" ? 3 : 2, initialShards: 4) { options in
            options.replication = replication
            options.extraRouterArguments = ["--token-file", tokenFile, "--max-value-bytes", "65536"]
        }
        var configuration = KeelClient.Configuration()
        configuration.token = Self.token
        let client = KeelClient(baseURL: cluster.routerURL, configuration: configuration)
        let raw = RawHTTP()
        try cluster.start()
        do {
            try await cluster.waitUntilReady()
            try await body(cluster, client, raw)
        } catch {
            try? await client.shutdown()
            await raw.shutdown()
            await cluster.shutdown()
            throw error
        }
        try? await client.shutdown()
        await raw.shutdown()
        await cluster.shutdown()
    }

    var auth: [(String, String)] { [("Authorization", "Bearer \(Self.token)")] }

    @Test(arguments: ["primary-backup", "raft"])
    func crudCasScansBadInputAndRestarts(replication: String) async throws {
        try await withCluster(replication: replication) { cluster, client, raw in
            // CRUD and CAS.
            let created = try await client.put("users/1", Array("ada".utf8), ifVersion: .absent)
            #expect(created.version == KeyVersion(1))
            await #expect(throws: KeelError.self) { try await client.put("users/1", Array("x".utf8), ifVersion: .absent) }
            #expect(try await client.put("users/1", Array("ada2".utf8), ifVersion: KeyVersion(1)).version == KeyVersion(2))
            #expect(try await client.get("users/1")?.value == Array("ada2".utf8))
            #expect(try await client.delete("users/1", ifVersion: KeyVersion(2)) == KeyVersion(2))
            #expect(try await client.get("users/1") == nil)

            // Scans across shard boundaries (4 shards split the first byte at @, 0x80, 0xC0).
            let keys = ["0", "9", "A", "Z", "a", "z", "~", "é", "ø", "中", "𝄞"].map { "s/\($0)" } + ["!", "@x", "é/1", "\u{7F}"]
            for key in keys { _ = try await client.put(key, Array(key.utf8)) }
            var scanned: [[UInt8]] = []
            var start: [UInt8] = []
            while true {
                let page = try await client.scan(start: start, limit: 4)
                scanned += page.items.map(\.key)
                guard let next = page.next else { break }
                start = next
            }
            #expect(scanned == keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
            let prefixed = try await client.scan(prefix: Array("s/".utf8), limit: 100)
            #expect(prefixed.items.count == 11)

            // Bad input gets the documented status and writes nothing.
            let base = cluster.routerURL + "/v1/kv/"
            #expect(try await raw.send(.PUT, base + String(repeating: "k", count: 1025), body: [1], headers: auth).errorCode == "key_too_long")
            #expect(try await raw.send(.PUT, base, body: [1], headers: auth).errorCode == "invalid_key")
            let router = cluster.plan.router.listen
            let badEscape = try RawHTTP.sendVerbatim(
                host: router.host, port: router.port,
                "GET /v1/kv/bad%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.token)\r\nConnection: close\r\n\r\n")
            #expect(badEscape.status == 400)
            #expect(badEscape.errorCode == "invalid_key")
            let big = try await raw.send(.PUT, base + "big", body: [UInt8](repeating: 1, count: 65537), headers: auth)
            #expect(big.status == 413)
            #expect(big.errorCode == "value_too_large")
            #expect(try await raw.send(.GET, base + "users%2F1").status == 401)
            #expect(try await raw.send(.GET, base + "x", headers: [("Authorization", "Bearer wrong")]).status == 401)
            #expect(try await raw.send(.GET, cluster.routerURL + "/healthz").status == 200)
            let bulk = try await raw.send(
                .POST, cluster.routerURL + "/v1/bulk",
                body: Array("{\"key\":\"b1\",\"value\":\"1\"}\nnope\n{\"key\":\"\",\"value\":\"x\"}\n{\"key\":\"b2\",\"value_b64\":\"Mg==\"}\n".utf8),
                headers: auth)
            #expect(bulk.json["written"] as? Int == 2)
            #expect((bulk.json["errors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [2, 3])
            #expect(try await client.get("big") == nil)
            #expect(try await client.get("b2")?.value == Array("2".utf8))

            // Restarting the router loses nothing.
            cluster.cluster.crash("router")
            try cluster.cluster.start("router")
            try await cluster.waitUntilReady()
            #expect(try await client.get("s/中")?.value == Array("s/中".utf8))
        }
    }

    @Test(arguments: ["primary-backup", "raft"])
    func bulkLoadOfAHundredThousandRecordsThenVerifyEvery(replication: String) async throws {
        try await withCluster(replication: replication) { cluster, client, raw in
            let count = 100_000
            func line(_ index: Int) -> [UInt8] { Array("{\"key\":\"bulk/\(Self.key(index))\",\"value\":\"v\(index)\"}\n".utf8) }
            var pending = Array(0..<count)
            var rounds = 0
            // A load reports the lines it could not write (say, during a failover on a slow
            // machine); a client sends those again, as keelctl import does.
            while !pending.isEmpty, rounds < 5 {
                rounds += 1
                var body: [UInt8] = []
                body.reserveCapacity(pending.count * 48)
                for index in pending { body += line(index) }
                let result = try await client.bulk(bytes: body)
                #expect(result.written + result.failed == pending.count)
                #expect(result.errors.allSatisfy { ["shard_unavailable", "unavailable", "overloaded", "not_primary", "timeout"].contains($0.code) },
                        "only transient failures: \(result.errors.prefix(3))")
                let failedLines = Set(result.errors.map(\.line))
                if result.failed > result.errors.count {
                    // More failures than listed: send everything again (writes are idempotent puts).
                    continue
                }
                pending = pending.enumerated().filter { failedLines.contains($0.offset + 1) }.map(\.element)
            }
            #expect(pending.isEmpty, "\(pending.count) records still not written after \(rounds) loads")
            #expect(rounds <= 2 || ProcessInfo.processInfo.environment["CI"] == nil, "a quiet cluster loads 100,000 records without failures")
            var seen = 0
            var start = Array("bulk/".utf8)
            while true {
                let page = try await client.scan(start: start, prefix: Array("bulk/".utf8), limit: 10_000)
                for item in page.items {
                    #expect(item.key == Array("bulk/\(Self.key(seen))".utf8))
                    #expect(item.value == Array("v\(seen)".utf8))
                    seen += 1
                }
                guard let next = page.next else { break }
                start = next
            }
            #expect(seen == count)
        }
    }

    @Test(arguments: ["primary-backup", "raft"])
    func killingAPrimaryMidLoadLeavesEveryAcknowledgedRecordReadable(replication: String) async throws {
        try await withCluster(replication: replication) { cluster, client, raw in
            // 30 loads of 1,000 lines (so every failed line is listed), a primary killed midway.
            let chunks = 30
            let victim = try #require(try await cluster.map().shard(owning: Array("mid/".utf8))?.primary)
            var failed = Set<Int>()
            var written = 0
            for chunk in 0..<chunks {
                if chunk == 10 { cluster.cluster.crash(victim.rawValue) }
                var body: [UInt8] = []
                for line in 0..<1000 {
                    let index = chunk * 1000 + line
                    body += Array("{\"key\":\"mid/\(Self.key(index))\",\"value\":\"v\(index)\"}\n".utf8)
                }
                let result = try await client.bulk(bytes: body)
                #expect(result.errors.count == result.failed, "every failed line is listed")
                written += result.written
                for error in result.errors { failed.insert(chunk * 1000 + error.line - 1) }
            }
            #expect(written + failed.count == chunks * 1000)
            #expect(written > chunks * 1000 / 2, "most of the load went through the failover")
            try await cluster.eventually("a new primary", timeout: .seconds(60)) {
                let replaced = try await cluster.map().shards.values.allSatisfy { $0.primary != victim }
                let ready = await client.isReady()
                return replaced && ready
            }
            // Every line not reported failed was written and is readable with its value.
            var missing: [Int] = []
            var start = Array("mid/".utf8)
            var found = Set<Int>()
            while true {
                let page = try await client.scan(start: start, prefix: Array("mid/".utf8), limit: 10_000)
                for item in page.items {
                    let index = Int(String(decoding: item.key.dropFirst(4), as: UTF8.self))!
                    #expect(item.value == Array("v\(index)".utf8))
                    found.insert(index)
                }
                guard let next = page.next else { break }
                start = next
            }
            for index in 0..<(chunks * 1000) where !failed.contains(index) && !found.contains(index) { missing.append(index) }
            #expect(missing.isEmpty, "\(missing.count) acknowledged records are missing, e.g. \(missing.prefix(5))")
        }
    }

    static func key(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
