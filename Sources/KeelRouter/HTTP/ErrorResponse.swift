import HTTPTypes
import Hummingbird
import KeelTypes

extension KeelError.Code {
    /// The HTTP status that carries this code (docs/API.md lists the table).
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalidKey, .keyTooLong, .invalidRequest, .malformedLine, .invalidContinuation: .badRequest
        case .valueTooLarge, .bodyTooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .notFound: .notFound
        case .versionMismatch: .preconditionFailed
        case .overloaded: .tooManyRequests
        case .timeout: .gatewayTimeout
        case .diskFull: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .corruptData, .internalError: .internalServerError
        default: .serviceUnavailable  // routing, unavailable, not_enough_replicas
        }
    }

    /// Whether the client should come back later (answered with `Retry-After`).
    var isRetryable: Bool {
        switch httpStatus {
        case .tooManyRequests, .serviceUnavailable: true
        default: false
        }
    }
}

extension KeelError {
    /// `{"error":{"code":…,"message":…,"maybe_applied":…}}` with the matching status.
    func response(retryAfterSeconds: Int = 1) -> Response {
        var json = JSONWriter()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.field("code", code.rawValue)
        json.field("message", message)
        json.field("maybe_applied", maybeApplied)
        json.endObject()
        json.endObject()
        var response = Response.json(json, status: code.httpStatus)
        if code.isRetryable { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }
}

extension Response {
    /// A JSON answer from a `JSONWriter`.
    static func json(_ json: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
