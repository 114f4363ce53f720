import NIOCore

/// Splits a byte stream into frames. A frame longer than the limit, or shorter than a
/// header, or of an unknown kind, is an error (`frame_too_large`, `malformed_frame`): the
/// pipeline's error handling then closes the connection. The length is checked before any
/// payload is buffered, so a hostile length prefix costs nothing.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame

    let maxFrameBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.nextFrame(from: &buffer, maxFrameBytes: maxFrameBytes) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Reads one whole frame off the front of `buffer`, or returns nil (consuming nothing)
    /// if it has not fully arrived.
    static func nextFrame(from buffer: inout ByteBuffer, maxFrameBytes: Int) throws(TransportError) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return nil
        }
        guard Int(length) >= FrameLayout.headerBytes else {
            throw TransportError(.malformedFrame, "frame length \(length) is shorter than a frame header")
        }
        guard Int(length) <= maxFrameBytes else {
            throw TransportError(.frameTooLarge, "frame of \(length) bytes exceeds the limit of \(maxFrameBytes)")
        }
        guard buffer.readableBytes >= FrameLayout.lengthFieldBytes + Int(length) else { return nil }
        let kindIndex = buffer.readerIndex + FrameLayout.lengthFieldBytes
        let kindByte = buffer.getInteger(at: kindIndex, as: UInt8.self)!
        guard let kind = FrameKind(rawValue: kindByte) else {
            throw TransportError(.malformedFrame, "unknown frame kind \(kindByte)")
        }
        let correlationID = buffer.getInteger(at: kindIndex + 1, endianness: .little, as: UInt64.self)!
        buffer.moveReaderIndex(forwardBy: FrameLayout.lengthFieldBytes + FrameLayout.headerBytes)
        let payload = buffer.readSlice(length: Int(length) - FrameLayout.headerBytes)!
        return Frame(kind: kind, correlationID: correlationID, payload: payload)
    }
}
