import Foundation
import KeelTypes

/// One record of a bulk load: the mutation and the line (or record number) it came from.
struct BulkRecord: Sendable, Equatable {
    var line: Int
    var mutation: Mutation
}

/// A bulk record that could not be used, reported back to the client with its line.
struct BulkLineError: Error, Sendable, Equatable {
    var line: Int
    var code: KeelError.Code
    var message: String
}

/// Turns one NDJSON line into a mutation, enforcing the API's key and value rules.
///
/// Accepted shapes: `{"key":K,"value":V}`, `{"key":K,"value_b64":B}`,
/// `{"op":"put",…}` and `{"op":"delete","key":K}`. Unknown fields are rejected so that a
/// typo (`"vaule"`) is reported instead of silently writing an empty value.
struct NDJSONRecordDecoder: Sendable {
    var maxValueBytes: Int

    private static let knownFields: Set<String> = ["key", "value", "value_b64", "op"]

    /// Decodes a line; `nil` for a blank line, which is skipped.
    func decode(_ bytes: [UInt8], line: Int) throws(BulkLineError) -> BulkRecord? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        let object: FlatJSONObject
        do {
            object = try FlatJSONObject(parsing: bytes)
        } catch {
            throw BulkLineError(line: line, code: .malformedLine, message: "column \(error.column): \(error.reason)")
        }
        if let unknown = object.fields.keys.sorted().first(where: { !Self.knownFields.contains($0) }) {
            throw BulkLineError(line: line, code: .malformedLine, message: "unknown field \"\(unknown)\"")
        }
        guard case .some(.some(let key)) = object.fields["key"] else {
            throw BulkLineError(line: line, code: .malformedLine, message: "missing \"key\"")
        }
        do {
            try KeyValidation.validate(key)
        } catch {
            throw BulkLineError(line: line, code: error.code, message: error.message)
        }
        let op = object.fields["op"].flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? "put"
        switch op {
        case "delete":
            guard object.fields["value"] == nil, object.fields["value_b64"] == nil else {
                throw BulkLineError(line: line, code: .malformedLine, message: "a delete takes no value")
            }
            return BulkRecord(line: line, mutation: .delete(key: key, condition: .none))
        case "put":
            let value = try self.value(of: object, line: line)
            return BulkRecord(line: line, mutation: .put(key: key, value: value, condition: .none))
        default:
            throw BulkLineError(line: line, code: .malformedLine, message: "op must be \"put\" or \"delete\"")
        }
    }

    private func value(of object: FlatJSONObject, line: Int) throws(BulkLineError) -> [UInt8] {
        let value: [UInt8]
        switch (object.fields["value"], object.fields["value_b64"]) {
        case (.some(.some(let text)), nil):
            value = text
        case (nil, .some(.some(let encoded))):
            guard let data = Data(base64Encoded: Data(encoded)) else {
                throw BulkLineError(line: line, code: .malformedLine, message: "value_b64 is not valid base64")
            }
            value = [UInt8](data)
        case (nil, nil):
            throw BulkLineError(line: line, code: .malformedLine, message: "missing \"value\" or \"value_b64\"")
        default:
            throw BulkLineError(line: line, code: .malformedLine, message: "give exactly one of \"value\" and \"value_b64\" as a string")
        }
        guard value.count <= maxValueBytes else {
            throw BulkLineError(
                line: line, code: .valueTooLarge, message: "the value is \(value.count) bytes; the limit is \(maxValueBytes)")
        }
        return value
    }
}
