import Hummingbird
import KeelTypes

/// Reads a request body into memory with a hard limit, refusing early when the declared
/// `Content-Length` is already too large.
enum BodyReader {
    static func collect(_ request: Request, limit: Int, code: KeelError.Code) async throws(KeelError) -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw tooLarge(declared, limit: limit, code: code)
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= limit else {
                    throw tooLarge(bytes.count + chunk.readableBytes, limit: limit, code: code)
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as KeelError {
            throw error
        } catch {
            throw KeelError(.invalidRequest, "the request body could not be read: \(error)")
        }
        return bytes
    }

    private static func tooLarge(_ size: Int, limit: Int, code: KeelError.Code) -> KeelError {
        KeelError(code, "the body is at least \(size) bytes; the limit is \(limit)")
    }
}
