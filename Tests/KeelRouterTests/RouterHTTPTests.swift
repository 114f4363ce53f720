import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelRouter
import KeelTypes
import Testing

/// The HTTP API end to end in-process: status codes, JSON shapes and limits of docs/API.md.
@Suite struct RouterHTTPTests {
    func withRouter(
        token: String? = nil, maxValueBytes: Int = 1 << 20, service: ModelKeyValueService = ModelKeyValueService(),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var configuration = RouterHTTPConfiguration()
        configuration.bearerToken = token
        configuration.maxValueBytes = maxValueBytes
        configuration.bulk.maxBatchOperations = 3
        let responder = RouterHTTPResponder(service: service, configuration: configuration)
        let app = Application(responder: responder)
        try await app.test(.router, body)
    }

    /// The body as a JSON object; records an issue (and returns `[:]`) when it is not one.
    func json(_ buffer: ByteBuffer) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            Issue.record("not a JSON object: \(String(buffer: buffer))")
            return [:]
        }
        return object
    }

    func errorCode(_ buffer: ByteBuffer) -> String? {
        (json(buffer)["error"] as? [String: Any])?["code"] as? String
    }

    @Test func putGetDeleteRoundTripWithVersions() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/v1/kv/users/42", method: .put, body: ByteBuffer(string: "alice")) { response in
                #expect(response.status == .ok)
                let body = json(response.body)
                #expect(body["key"] as? String == "users/42")
                #expect(body["version"] as? Int == 1)
                #expect(body["shard"] as? Int == 3)
            }
            try await client.execute(uri: "/v1/kv/users/42", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "alice")
                #expect(response.headers[HTTPField.Name("X-Keel-Version")!] == "1")
                #expect(response.headers[HTTPField.Name("X-Keel-Shard")!] == "3")
            }
            try await client.execute(uri: "/v1/kv/users/42", method: .delete) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["version"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/kv/users/42", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(errorCode(response.body) == "not_found")
            }
        }
    }

    @Test func compareAndSetAndCreateOnly() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/v1/kv/k?if_version=0", method: .put, body: ByteBuffer(string: "a")) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/kv/k?if_version=0", method: .put, body: ByteBuffer(string: "b")) { response in
                #expect(response.status == .preconditionFailed)
                #expect(errorCode(response.body) == "version_mismatch")
            }
            try await client.execute(uri: "/v1/kv/k?if_version=1", method: .put, body: ByteBuffer(string: "c")) {
                #expect(json($0.body)["version"] as? Int == 2)
            }
            try await client.execute(uri: "/v1/kv/k?if_version=1", method: .delete) { #expect($0.status == .preconditionFailed) }
            try await client.execute(uri: "/v1/kv/k", method: .get) { #expect(String(buffer: $0.body) == "c") }
        }
    }

    @Test func keysArePercentDecodedPathTails() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/v1/kv/a%2Fb//c%20d%E2%9C%93", method: .put, body: ByteBuffer(string: "v")) {
                #expect(json($0.body)["key"] as? String == "a/b//c d✓")
            }
            try await client.execute(uri: "/v1/kv/a%2fb//c%20d%e2%9c%93", method: .get) { #expect(String(buffer: $0.body) == "v") }
        }
    }

    @Test func badKeysAndValuesGetClearErrors() async throws {
        try await withRouter(maxValueBytes: 10) { client in
            let cases: [(String, HTTPRequest.Method, String, HTTPResponse.Status, String)] = [
                ("/v1/kv/", .put, "v", .badRequest, "invalid_key"),
                ("/v1/kv/" + String(repeating: "k", count: 1025), .put, "v", .badRequest, "key_too_long"),
                ("/v1/kv/bad%zz", .get, "", .badRequest, "invalid_key"),
                ("/v1/kv/bad%f", .get, "", .badRequest, "invalid_key"),
                ("/v1/kv/%FF%FE", .put, "v", .badRequest, "invalid_key"),
                ("/v1/kv/k", .put, "01234567890", .contentTooLarge, "value_too_large"),
                ("/v1/kv/k?if_version=x", .put, "v", .badRequest, "invalid_request"),
                ("/v1/kv/k?consistency=eventual", .get, "", .badRequest, "invalid_request"),
                ("/v1/nope", .get, "", .notFound, "not_found"),
                ("/v1/scan", .post, "", .badRequest, "invalid_request"),
            ]
            for (uri, method, body, status, code) in cases {
                try await client.execute(uri: uri, method: method, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(method) \(uri.prefix(40))")
                    #expect(errorCode(response.body) == code, "\(method) \(uri.prefix(40))")
                }
            }
            // A key of exactly 1024 bytes and an empty value are fine.
            try await client.execute(uri: "/v1/kv/" + String(repeating: "k", count: 1024), method: .put, body: ByteBuffer()) {
                #expect($0.status == .ok)
            }
            // Nothing else was written by the rejected requests.
            try await client.execute(uri: "/v1/scan", method: .get) { #expect((json($0.body)["items"] as? [Any])?.count == 1) }
        }
    }

    @Test func scansHonourBoundsPrefixLimitAndContinuation() async throws {
        try await withRouter { client in
            for key in ["a1", "a2", "a3", "b1", "c1"] {
                try await client.execute(uri: "/v1/kv/\(key)", method: .put, body: ByteBuffer(string: key.uppercased())) { _ in }
            }
            try await client.execute(uri: "/v1/scan?prefix=a&limit=2", method: .get) { response in
                let body = json(response.body)
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.map { $0["key"] as? String } == ["a1", "a2"])
                #expect(items.first?["value_b64"] as? String == Data("A1".utf8).base64EncodedString())
                #expect(items.first?["version"] as? Int == 1)
                #expect(body["next"] as? String == "a3")
            }
            try await client.execute(uri: "/v1/scan?start=a3&prefix=a", method: .get) { response in
                let body = json(response.body)
                #expect((body["items"] as? [[String: Any]])?.map { $0["key"] as? String } == ["a3"])
                #expect(body["next"] is NSNull)
            }
            try await client.execute(uri: "/v1/scan?start=b&end=c", method: .get) {
                #expect((json($0.body)["items"] as? [[String: Any]])?.count == 1)
            }
            try await client.execute(uri: "/v1/scan?start=c&end=b", method: .get) {
                #expect((json($0.body)["items"] as? [[String: Any]])?.count == 0)
            }
            try await client.execute(uri: "/v1/scan?limit=0", method: .get) { #expect($0.status == .badRequest) }
        }
    }

    @Test func bulkNDJSONReportsEachBadLineAndWritesTheRest() async throws {
        let service = ModelKeyValueService()
        let body = [
            #"{"key":"a","value":"1"}"#,
            #"{"key":"h","value_b64":"aGVsbG8="}"#,
            "not json",
            "",
            #"{"key":"q","vaule":"typo"}"#,
            #"{"key":"","value":"x"}"#,
            #"{"key":"z","value_b64":"!!"}"#,
            #"{"op":"delete","key":"a"}"#,
            #"{"key":"b\u00e9","value":"line\nbreak"}"#,
            #"{"key":"big","value":"0123456789abcdef"}"#,
            #"{"op":"delete","key":"never-existed"}"#,
        ].joined(separator: "\n")
        try await withRouter(maxValueBytes: 10, service: service) { client in
            try await client.execute(uri: "/v1/bulk", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let summary = json(response.body)
                #expect(summary["written"] as? Int == 3)
                #expect(summary["deleted"] as? Int == 2)
                #expect(summary["failed"] as? Int == 5)
                let errors = try #require(summary["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [3, 5, 6, 7, 10])
                #expect(errors.map { $0["code"] as? String } == [
                    "malformed_line", "malformed_line", "invalid_key", "malformed_line", "value_too_large",
                ])
            }
            try await client.execute(uri: "/v1/kv/h", method: .get) { #expect(String(buffer: $0.body) == "hello") }
            try await client.execute(uri: "/v1/kv/b%C3%A9", method: .get) { #expect(String(buffer: $0.body) == "line\nbreak") }
            try await client.execute(uri: "/v1/kv/a", method: .get) { #expect($0.status == .notFound) }
        }
        // Records were grouped per shard and sent in batches of at most 3.
        let batches = service.state.withLock { $0.batches }
        #expect(batches.allSatisfy { $0.count <= 3 })
        #expect(Set(batches.map(\.shard)) == [ShardID(1), ShardID(2)])
    }

    @Test func bulkBinaryRecords() async throws {
        func record(_ op: UInt8, _ key: String, _ value: String? = nil) -> [UInt8] {
            func length(_ count: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(count).littleEndian, Array.init) }
            var bytes = [op] + length(key.utf8.count) + Array(key.utf8)
            if let value { bytes += length(value.utf8.count) + Array(value.utf8) }
            return bytes
        }
        let body = record(1, "k1", "v1") + record(1, "", "v") + record(1, "k2", "far too long value") + record(2, "k1")
            + record(1, "k3", "v3") + [9, 0]
        try await withRouter(maxValueBytes: 10) { client in
            try await client.execute(
                uri: "/v1/bulk", method: .post, headers: [.contentType: "application/x-keel-records"],
                body: ByteBuffer(bytes: body)
            ) { response in
                let summary = json(response.body)
                #expect(summary["written"] as? Int == 2)
                #expect(summary["deleted"] as? Int == 1)
                let errors = try #require(summary["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [2, 3, 6])
                #expect(errors.map { $0["code"] as? String } == ["invalid_key", "value_too_large", "malformed_line"])
            }
            try await client.execute(uri: "/v1/kv/k3", method: .get) { #expect(String(buffer: $0.body) == "v3") }
        }
    }

    @Test func bearerTokenGuardsTheAPIButNotProbes() async throws {
        try await withRouter(token: "s3cret") { client in
            try await client.execute(uri: "/v1/kv/k", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(errorCode(response.body) == "unauthorized")
            }
            try await client.execute(uri: "/v1/kv/k", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/kv/k", method: .get, headers: [.authorization: "Bearer s3cret"]) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func readinessAndShardMap() async throws {
        try await withRouter(service: ModelKeyValueService(ready: false)) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
            }
            try await client.execute(uri: "/v1/shards", method: .get) { response in
                let map = json(response.body)
                #expect(map["version"] as? Int == 7)
                let shard = try #require((map["shards"] as? [[String: Any]])?.first)
                #expect(shard["primary"] as? String == "data-1")
                #expect(shard["end"] is NSNull)
                #expect((map["nodes"] as? [String: String])?["data-1"] == "127.0.0.1:7101")
            }
        }
    }
}
