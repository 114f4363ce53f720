import AsyncHTTPClient
import Foundation
import KeelTypes
import NIOCore
import NIOHTTP1

extension KeelClient {
    /// A successful (2xx) answer.
    struct Answer: @unchecked Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer

        func jsonObject() throws(KeelError) -> [String: Any] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                throw KeelError(.internalError, "the router answered with a body that is not a JSON object", maybeApplied: true)
            }
            return object
        }
    }

    /// Sends one request, retrying 429/503 answers after `Retry-After` while attempts remain
    /// (writes only when the error says they were not applied).
    func send(
        _ method: HTTPMethod, path: String, query: [(String, String)], body: ByteBuffer?, isWrite: Bool,
        streamedBody: (body: HTTPClientRequest.Body, contentType: String)? = nil, timeout: Duration? = nil,
        attempts: Int? = nil
    ) async throws(KeelError) -> Answer {
        var request = HTTPClientRequest(url: baseURL + path + Self.queryString(query))
        request.method = method
        if let token = configuration.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(body) }
        if let streamedBody {
            // A stream can be sent only once: never retried.
            request.headers.add(name: "Content-Type", value: streamedBody.contentType)
            request.body = streamedBody.body
        }
        let maxAttempts = streamedBody == nil ? (attempts ?? configuration.maxAttempts) : 1
        var attempt = 1
        while true {
            let outcome = await execute(request, timeout: timeout ?? configuration.timeout, isWrite: isWrite)
            switch outcome {
            case .success(let answer):
                return answer
            case .failure(let failure):
                let retryable = failure.retryAfter != nil && (!isWrite || !failure.error.maybeApplied)
                guard retryable, attempt < maxAttempts else { throw failure.error }
                attempt += 1
                try? await Task.sleep(for: min(failure.retryAfter ?? .seconds(1), configuration.maxRetryDelay))
            }
        }
    }

    struct Failure: Error {
        var error: KeelError
        var retryAfter: Duration?
    }

    private func execute(_ request: HTTPClientRequest, timeout: Duration, isWrite: Bool) async -> Result<Answer, Failure> {
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(clamping: timeout.wholeNanoseconds)))
            let body = try await response.body.collect(upTo: configuration.maxResponseBytes)
            guard (200..<300).contains(response.status.code) else {
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
                return .failure(Failure(error: Self.decodeError(response.status, body), retryAfter: retryAfter))
            }
            return .success(Answer(status: response.status, headers: response.headers, body: body))
        } catch {
            // The request may have reached the router before the connection failed.
            return .failure(Failure(
                error: KeelError(.unavailable, "the router could not be reached: \(error)", maybeApplied: isWrite), retryAfter: nil))
        }
    }

    static func decodeError(_ status: HTTPResponseStatus, _ body: ByteBuffer) -> KeelError {
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard let error = object?["error"] as? [String: Any], let code = error["code"] as? String else {
            return KeelError(.internalError, "HTTP \(status.code) without a Keel error body", maybeApplied: true)
        }
        return KeelError(
            KeelError.Code(rawValue: code), error["message"] as? String ?? "",
            maybeApplied: error["maybe_applied"] as? Bool ?? true)
    }

    static func keyPath(_ key: String) -> String { "/v1/kv/" + encode(Array(key.utf8)) }

    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { "\(encode(Array($0.0.utf8)))=\($0.1)" }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func encode(_ bytes: [UInt8]) -> String {
        var output = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}

extension Dictionary where Key == String, Value == Any {
    func uint(_ key: String) -> UInt64? { (self[key] as? NSNumber)?.uint64Value }
}
