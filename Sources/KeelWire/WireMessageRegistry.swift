/// The set of message types a receiver understands, for decoding an envelope of any of them.
///
/// Built once at startup (`register` each type), then read concurrently: it is a value type.
/// Decoding an envelope whose type id is not registered throws `unknown_message`.
public struct WireMessageRegistry: Sendable {
    private var decoders: [WireMessageType: any WireMessage.Type] = [:]
    public var limits: WireLimits

    public init(limits: WireLimits = .default) { self.limits = limits }

    /// Adds `M`. Registering two types with one id is a programming error and traps.
    public mutating func register<M: WireMessage>(_: M.Type) {
        precondition(decoders[M.wireType] == nil, "two message types registered as \(M.wireType)")
        decoders[M.wireType] = M.self
    }

    /// The registered message types.
    public var types: Set<WireMessageType> { Set(decoders.keys) }

    /// Decodes `envelope` as whichever registered type its id names.
    public func decode(_ envelope: WireEnvelope) throws(WireError) -> any WireMessage {
        guard let messageType = decoders[envelope.type] else {
            throw WireError(.unknownMessage, "no message type is registered as \(envelope.type)")
        }
        return try envelope.decode(as: messageType, limits: limits)
    }

    /// Decodes a whole envelope buffer (header and body).
    public func decode(_ bytes: ArraySlice<UInt8>) throws(WireError) -> any WireMessage {
        try decode(try WireEnvelope(decoding: bytes))
    }
}
