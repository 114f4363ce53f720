import KeelRaft
import KeelWire

/// `RaftMessage` encoding: `from`, `to`, `term`, then a one-byte payload tag and the
/// payload's fields as a length-prefixed struct (so a payload can gain fields later). A
/// tag this code does not know is `malformed`: a new payload needs a new protocol version.
extension RaftMessage: WireCodable {
    private enum Tag: UInt8 {
        case voteRequest = 1, voteResponse, append, appendResponse, heartbeat, heartbeatResponse
        case snapshotChunk, snapshotChunkResponse, timeoutNow, readIndex, readIndexResponse, transferLeadership
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(from)
        writer.write(to)
        writer.write(term)
        switch payload {
        case .voteRequest(let request):
            writer.writeUInt8(Tag.voteRequest.rawValue)
            writer.writeStruct { writer in
                writer.writeBool(request.isPreVote)
                writer.write(request.lastLogIndex)
                writer.write(request.lastLogTerm)
                writer.writeBool(request.isTransfer)
            }
        case .voteResponse(let response):
            writer.writeUInt8(Tag.voteResponse.rawValue)
            writer.writeStruct { writer in
                writer.writeBool(response.isPreVote)
                writer.writeBool(response.granted)
            }
        case .append(let request):
            writer.writeUInt8(Tag.append.rawValue)
            writer.writeStruct { writer in
                writer.write(request.prevLogIndex)
                writer.write(request.prevLogTerm)
                writer.writeArray(request.entries)
                writer.write(request.commit)
            }
        case .appendResponse(let response):
            writer.writeUInt8(Tag.appendResponse.rawValue)
            writer.writeStruct { writer in
                writer.write(response.index)
                writer.writeOptional(response.rejection) { writer, hint in
                    writer.writeOptional(hint.conflictTerm)
                    writer.write(hint.conflictIndex)
                    writer.write(hint.lastIndex)
                }
            }
        case .heartbeat(let heartbeat):
            writer.writeUInt8(Tag.heartbeat.rawValue)
            writer.writeStruct { writer in
                writer.write(heartbeat.commit)
                writer.writeVarint(heartbeat.readRound)
                writer.writeVarint(heartbeat.sentAtTick)
            }
        case .heartbeatResponse(let response):
            writer.writeUInt8(Tag.heartbeatResponse.rawValue)
            writer.writeStruct { writer in
                writer.writeVarint(response.readRound)
                writer.writeVarint(response.sentAtTick)
                writer.write(response.lastIndex)
            }
        case .snapshotChunk(let chunk):
            writer.writeUInt8(Tag.snapshotChunk.rawValue)
            writer.writeStruct { writer in
                writer.write(chunk.metadata)
                writer.writeVarint(UInt64(chunk.totalBytes))
                writer.writeVarint(UInt64(chunk.offset))
                writer.writeBytes(chunk.data)
                writer.writeBool(chunk.done)
            }
        case .snapshotChunkResponse(let response):
            writer.writeUInt8(Tag.snapshotChunkResponse.rawValue)
            writer.writeStruct { writer in
                writer.write(response.snapshotIndex)
                writer.writeVarint(UInt64(response.receivedBytes))
                writer.writeBool(response.outOfOrder)
            }
        case .timeoutNow:
            writer.writeUInt8(Tag.timeoutNow.rawValue)
            writer.writeStruct { _ in }
        case .readIndex(let request):
            writer.writeUInt8(Tag.readIndex.rawValue)
            writer.writeStruct { writer in
                writer.write(request.id)
                writer.write(request.mode)
            }
        case .readIndexResponse(let response):
            writer.writeUInt8(Tag.readIndexResponse.rawValue)
            writer.writeStruct { writer in
                writer.write(response.id)
                writer.writeOptional(response.index)
                writer.write(response.mode)
                writer.writeOptional(response.rejection)
            }
        case .transferLeadership(let target):
            writer.writeUInt8(Tag.transferLeadership.rawValue)
            writer.writeStruct { writer in writer.write(target) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let from = try reader.read(RaftNodeID.self)
        let to = try reader.read(RaftNodeID.self)
        let term = try reader.read(Term.self)
        let rawTag = try reader.readUInt8()
        guard let tag = Tag(rawValue: rawTag) else { throw WireError(.malformed, "unknown Raft payload \(rawTag)") }
        let payload = try reader.readStruct { (reader: inout WireReader) throws(WireError) -> Payload in
            try Self.readPayload(tag, &reader)
        }
        self.init(from: from, to: to, term: term, payload: payload)
    }

    private static func readPayload(_ tag: Tag, _ reader: inout WireReader) throws(WireError) -> Payload {
        switch tag {
        case .voteRequest:
            return .voteRequest(VoteRequest(
                isPreVote: try reader.readBool(), lastLogIndex: try reader.read(LogIndex.self),
                lastLogTerm: try reader.read(Term.self), isTransfer: try reader.readBool()))
        case .voteResponse:
            return .voteResponse(VoteResponse(isPreVote: try reader.readBool(), granted: try reader.readBool()))
        case .append:
            return .append(AppendRequest(
                prevLogIndex: try reader.read(LogIndex.self), prevLogTerm: try reader.read(Term.self),
                entries: try reader.readArray(of: Entry.self, maxCount: RaftWireBounds.maxEntries),
                commit: try reader.read(LogIndex.self)))
        case .appendResponse:
            let index = try reader.read(LogIndex.self)
            let hint = try reader.readOptional { (reader: inout WireReader) throws(WireError) -> RejectHint in
                RejectHint(
                    conflictTerm: try reader.readOptional(Term.self), conflictIndex: try reader.read(LogIndex.self),
                    lastIndex: try reader.read(LogIndex.self))
            }
            return .appendResponse(AppendResponse(index: index, rejection: hint))
        case .heartbeat:
            return .heartbeat(Heartbeat(
                commit: try reader.read(LogIndex.self), readRound: try reader.readVarint(), sentAtTick: try reader.readVarint()))
        case .heartbeatResponse:
            return .heartbeatResponse(HeartbeatResponse(
                readRound: try reader.readVarint(), sentAtTick: try reader.readVarint(), lastIndex: try reader.read(LogIndex.self)))
        case .snapshotChunk:
            let metadata = try reader.read(SnapshotMetadata.self)
            let total = try reader.readVarint(as: UInt32.self)
            let offset = try reader.readVarint(as: UInt32.self)
            let data = try reader.readBytes(maxCount: RaftWireBounds.maxDataBytes)
            return .snapshotChunk(SnapshotChunk(
                metadata: metadata, totalBytes: Int(total), offset: Int(offset), data: data, done: try reader.readBool()))
        case .snapshotChunkResponse:
            return .snapshotChunkResponse(SnapshotChunkResponse(
                snapshotIndex: try reader.read(LogIndex.self), receivedBytes: Int(try reader.readVarint(as: UInt32.self)),
                outOfOrder: try reader.readBool()))
        case .timeoutNow:
            return .timeoutNow
        case .readIndex:
            return .readIndex(ReadIndexRequest(id: try reader.read(ReadRequestID.self), mode: try reader.read(ReadMode.self)))
        case .readIndexResponse:
            return .readIndexResponse(ReadIndexResponse(
                id: try reader.read(ReadRequestID.self), index: try reader.readOptional(LogIndex.self),
                mode: try reader.read(ReadMode.self), rejection: try reader.readOptional(ReadRejection.self)))
        case .transferLeadership:
            return .transferLeadership(target: try reader.read(RaftNodeID.self))
        }
    }
}
