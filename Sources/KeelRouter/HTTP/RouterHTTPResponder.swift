import Foundation
import HTTPTypes
import Hummingbird
import KeelTypes
import Synchronization

/// The router's HTTP API (docs/API.md): parses and validates requests, calls the
/// `KeyValueService`, and maps every outcome to the documented status and JSON shape.
///
/// Routing is a plain switch over the path rather than a router trie, because a key is
/// "the rest of the path" and may contain anything, empty segments and `%2F` included.
public struct RouterHTTPResponder<Service: KeyValueService>: HTTPResponder {
    public typealias Context = BasicRequestContext

    let service: Service
    let configuration: RouterHTTPConfiguration
    let metrics: RouterMetrics
    let renderMetrics: @Sendable () -> String
    private let inFlight = InFlightCounter()

    public init(
        service: Service, configuration: RouterHTTPConfiguration, metrics: RouterMetrics = RouterMetrics(),
        renderMetrics: @escaping @Sendable () -> String = { "" }
    ) {
        self.service = service
        self.configuration = configuration
        self.metrics = metrics
        self.renderMetrics = renderMetrics
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let route = Route(request)
        let response: Response
        do {
            response = try await dispatch(route, request)
        } catch {
            response = error.response()
        }
        metrics.record(route: route.metricName, status: response.status.code, elapsed: ContinuousClock.now - started)
        return response
    }

    private func dispatch(_ route: Route, _ request: Request) async throws(KeelError) -> Response {
        switch route {
        case .health: return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        case .ready: return await readiness()
        case .metrics:
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: renderMetrics())))
        case .unknown:
            throw KeelError(.notFound, "no such endpoint: \(request.method) \(request.uri.path)")
        default: break
        }
        try authorize(request)
        guard inFlight.enter(limit: configuration.maxConcurrentRequests) else {
            throw KeelError(.overloaded, "the router is serving \(configuration.maxConcurrentRequests) requests; retry later")
        }
        defer { inFlight.leave() }
        let query = try QueryParameters(request.uri.query)
        switch (route, request.method) {
        case (.keyValue(let encodedKey), .get): return try await get(KeyValidation.decode(encodedKey), query)
        case (.keyValue(let encodedKey), .put): return try await put(KeyValidation.decode(encodedKey), query, request)
        case (.keyValue(let encodedKey), .delete): return try await delete(KeyValidation.decode(encodedKey), query)
        case (.scan, .get): return try await scan(query)
        case (.bulk, .post): return try await bulk(request)
        case (.shards, .get): return await shards()
        default:
            throw KeelError(.invalidRequest, "\(request.method) is not allowed on \(request.uri.path)")
        }
    }

    private func authorize(_ request: Request) throws(KeelError) {
        guard let token = configuration.bearerToken else { return }
        let presented = request.headers[.authorization] ?? ""
        guard constantTimeEquals(Array(presented.utf8), Array("Bearer \(token)".utf8)) else {
            throw KeelError(.unauthorized, "missing or wrong bearer token (Authorization: Bearer <token>)")
        }
    }

    // MARK: Single keys

    private func get(_ key: [UInt8], _ query: QueryParameters) async throws(KeelError) -> Response {
        guard let stored = try await service.get(key, consistency: try query.consistency()) else {
            throw KeelError(.notFound, "no such key")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/octet-stream",
                .keelVersion: String(stored.version.rawValue),
                .keelShard: String(stored.shard.rawValue),
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.value)))
    }

    private func put(_ key: [UInt8], _ query: QueryParameters, _ request: Request) async throws(KeelError) -> Response {
        let condition = try query.writeCondition()
        let value = try await BodyReader.collect(request, limit: configuration.maxValueBytes, code: .valueTooLarge)
        let outcome = try await service.put(key, value: value, condition: condition)
        return writeAnswer(key, outcome, includeShard: true)
    }

    private func delete(_ key: [UInt8], _ query: QueryParameters) async throws(KeelError) -> Response {
        let outcome = try await service.delete(key, condition: try query.writeCondition())
        return writeAnswer(key, outcome, includeShard: false)
    }

    private func writeAnswer(_ key: [UInt8], _ outcome: WriteOutcome, includeShard: Bool) -> Response {
        var json = JSONWriter()
        json.beginObject()
        json.key("key")
        json.string(key)
        json.field("version", outcome.version.rawValue)
        if includeShard { json.field("shard", outcome.shard.rawValue) }
        json.endObject()
        return .json(json)
    }

    // MARK: Scans, shards, readiness

    private func scan(_ query: QueryParameters) async throws(KeelError) -> Response {
        let request = try ScanRequest(query, defaultLimit: configuration.defaultScanLimit, maxLimit: configuration.maxScanLimit)
        let page =
            request.isEmpty
            ? ScanPage(items: [], next: nil)
            : try await service.scan(request.range, limit: request.limit, consistency: request.consistency)
        var json = JSONWriter()
        json.beginObject()
        json.key("items")
        json.beginArray()
        for item in page.items {
            json.beginObject()
            json.key("key")
            json.string(item.key)
            json.field("value_b64", Data(item.value).base64EncodedString())
            json.field("version", item.version.rawValue)
            json.endObject()
        }
        json.endArray()
        json.key("next")
        if let next = page.next { json.string(next) } else { json.null() }
        json.endObject()
        return .json(json)
    }

    private func shards() async -> Response {
        .json(ShardMapJSON.render(await service.shardMap()))
    }

    private func readiness() async -> Response {
        switch await service.readiness() {
        case .ready:
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ready\n")))
        case .notReady(let reason):
            return KeelError(.unavailable, reason).response()
        }
    }

    // MARK: Bulk

    private func bulk(_ request: Request) async throws(KeelError) -> Response {
        let contentType = request.headers[.contentType] ?? "application/x-ndjson"
        let summary: BulkSummary
        do {
            if contentType.hasPrefix("application/x-keel-records") {
                summary = try await BulkBodyLoader(service: service, configuration: configuration).loadRecords(request.body)
            } else {
                summary = try await BulkBodyLoader(service: service, configuration: configuration).loadNDJSON(request.body)
            }
        } catch let error as KeelError {
            throw error
        } catch {
            throw KeelError(.invalidRequest, "the request body could not be read: \(error)", maybeApplied: true)
        }
        return .json(BulkSummaryJSON.render(summary))
    }
}

/// Counts requests being served, to refuse new ones beyond a limit instead of queueing them.
final class InFlightCounter: Sendable {
    private let count = Atomic<Int>(0)

    func enter(limit: Int) -> Bool {
        if count.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.wrappingSubtract(1, ordering: .relaxed) }
}

func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}

extension HTTPField.Name {
    static let keelVersion = HTTPField.Name("X-Keel-Version")!
    static let keelShard = HTTPField.Name("X-Keel-Shard")!
}
