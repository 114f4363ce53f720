import KeelTypes

/// The key rules of the API: UTF-8, 1 to `KeelLimits.maxKeyBytes` bytes, any characters.
enum KeyValidation {
    /// Validates decoded key bytes, returning a client error that says what is wrong.
    static func validate(_ key: [UInt8]) throws(KeelError) {
        guard !key.isEmpty else { throw KeelError(.invalidKey, "the key is empty; keys are 1 to \(KeelLimits.maxKeyBytes) bytes") }
        guard key.count <= KeelLimits.maxKeyBytes else {
            throw KeelError(.keyTooLong, "the key is \(key.count) bytes; the limit is \(KeelLimits.maxKeyBytes)")
        }
        guard String(validating: key, as: UTF8.self) != nil else {
            throw KeelError(.invalidKey, "the key is not valid UTF-8")
        }
    }

    /// Decodes a percent-encoded key (a URL path tail or a query value) and validates it.
    static func decode(_ encoded: some Collection<UInt8>) throws(KeelError) -> [UInt8] {
        let key: [UInt8]
        do {
            key = try PercentDecoding.decode(encoded)
        } catch {
            throw KeelError(.invalidKey, "invalid percent-encoding in the key at byte \(error.offset)")
        }
        try validate(key)
        return key
    }
}
