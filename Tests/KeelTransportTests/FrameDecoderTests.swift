import NIOCore
import Testing

@testable import KeelTransport
import KeelTypes

@Suite("Frame decoding")
struct FrameDecoderTests {
    static let frames = [
        OutboundFrame(kind: .message, correlationID: 0, payload: [1, 2, 3]),
        OutboundFrame(kind: .request, correlationID: 42, payload: []),
        OutboundFrame(kind: .response, correlationID: .max, payload: [UInt8](repeating: 9, count: 300)),
        OutboundFrame(kind: .error, correlationID: 7, payload: [0]),
    ]

    static func encoded(_ frames: [OutboundFrame]) -> [UInt8] {
        var buffer = ByteBuffer()
        for frame in frames { buffer.writeFrame(frame) }
        return Array(buffer.readableBytesView)
    }

    @Test("frames arriving one byte at a time decode exactly, and nothing is consumed until a frame is whole")
    func byteAtATime() throws {
        let bytes = Self.encoded(Self.frames)
        var buffer = ByteBuffer()
        var decoded: [Frame] = []
        for byte in bytes {
            buffer.writeInteger(byte)
            let before = buffer.readerIndex
            if let frame = try FrameDecoder.nextFrame(from: &buffer, maxFrameBytes: 1 << 20) {
                decoded.append(frame)
            } else {
                #expect(buffer.readerIndex == before)
            }
        }
        #expect(buffer.readableBytes == 0)
        #expect(decoded.map(\.kind) == Self.frames.map(\.kind))
        #expect(decoded.map(\.correlationID) == Self.frames.map(\.correlationID))
        #expect(decoded.map { Array($0.payload.readableBytesView) } == Self.frames.map(\.payload))
    }

    static let badHeaders: [([UInt8], TransportError.Code)] = [
        (frameHeader(length: .max, kind: 1), .frameTooLarge),
        (frameHeader(length: 1 << 20 + 1, kind: 1), .frameTooLarge),
        (frameHeader(length: 8, kind: 1), .malformedFrame),
        (frameHeader(length: 0, kind: 1), .malformedFrame),
        (frameHeader(length: 9, kind: 5), .malformedFrame),
    ]

    @Test("bad headers throw a typed error as soon as the length (or kind) is known", arguments: badHeaders)
    func badHeader(bytes: [UInt8], code: TransportError.Code) {
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: TransportError.self) { try FrameDecoder.nextFrame(from: &buffer, maxFrameBytes: 1 << 20) }
        do {
            _ = try FrameDecoder.nextFrame(from: &buffer, maxFrameBytes: 1 << 20)
        } catch {
            #expect(error.code == code)
        }
    }

    @Test("an oversize length is rejected from its first four bytes, before the payload is buffered")
    func oversizeFromLengthAlone() {
        var buffer = ByteBuffer(bytes: Array(frameHeader(length: 1 << 30, kind: 1).prefix(4)))
        #expect(throws: TransportError.self) { try FrameDecoder.nextFrame(from: &buffer, maxFrameBytes: 1 << 20) }
    }

    @Test("random bytes never crash the decoder", arguments: [1, 2, 3, 4] as [UInt64])
    func randomBytes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...64, using: &rng)
            var buffer = ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
            while true {
                guard let frame = try? FrameDecoder.nextFrame(from: &buffer, maxFrameBytes: 48) else { break }
                #expect(frame.payload.readableBytes <= 48 - FrameLayout.headerBytes)
            }
        }
    }
}

