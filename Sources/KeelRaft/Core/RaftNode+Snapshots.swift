/// Snapshots (§7): compaction at an applied index, streaming a snapshot to a follower in
/// bounded chunks with a window and resumption, and reassembly and install on the follower.
extension RaftNode {
    // MARK: Compaction

    mutating func compact(through index: LogIndex, data: [UInt8]) {
        guard index > snapshot.metadata.index, index <= handedOut, let indexTerm = log.term(at: index) else {
            pending.errors.append(RaftError(.compactionOutOfRange,
                "cannot compact through \(index): snapshot is at \(snapshot.metadata.index), applied through \(handedOut)"))
            return
        }
        let metadata = SnapshotMetadata(index: index, term: indexTerm, configuration: configuration(at: index))
        snapshot = Snapshot(metadata: metadata, data: data)
        log.compact(through: index)
        pending.snapshot = snapshot
        pending.restoreStateMachine = false
    }

    // MARK: Leader: streaming

    mutating func startSnapshotTransfer(to position: Int) {
        let meta = snapshot.metadata
        let transfer = SnapshotTransfer(index: meta.index, term: meta.term, totalBytes: snapshot.data.count,
                                        chunkBytes: config.maxSnapshotChunkBytes)
        progress[position].becomeSnapshot(transfer)
        sendSnapshotChunks(to: position)
    }

    /// Sends chunks while fewer than `maxInflightMessages` are unacknowledged. Restarts the
    /// transfer if the leader compacted again meanwhile.
    mutating func sendSnapshotChunks(to position: Int) {
        guard var transfer = progress[position].transfer else { return }
        if transfer.index != snapshot.metadata.index {
            startSnapshotTransfer(to: position)
            return
        }
        while !transfer.allSent && transfer.inflightChunks < config.maxInflightMessages {
            let range = transfer.range(ofChunk: transfer.nextChunk)
            transfer.nextChunk += 1
            let chunk = SnapshotChunk(metadata: snapshot.metadata, totalBytes: transfer.totalBytes,
                                      offset: range.lowerBound, data: Array(snapshot.data[range]),
                                      done: transfer.allSent)
            send(to: progress[position].id, .snapshotChunk(chunk))
        }
        progress[position].transfer = transfer
    }

    mutating func handleSnapshotChunkResponse(from peer: RaftNodeID, _ response: SnapshotChunkResponse) {
        guard let position = progress.position(of: peer) else { return }
        progress[position].recentActive = true
        guard var transfer = progress[position].transfer, transfer.index == response.snapshotIndex else { return }
        let acked = min(response.receivedBytes / transfer.chunkBytes, transfer.chunkCount)
        if acked > transfer.ackedChunks {
            transfer.ackedChunks = acked
            transfer.nextChunk = max(transfer.nextChunk, acked)
            transfer.progressedSinceHeartbeat = true
            transfer.rewound = false
        }
        if response.outOfOrder && !transfer.rewound {
            // A chunk was lost, or the follower lost what it had (a restart): resume from
            // the follower's end, once per gap. Its count is the truth, even if lower.
            transfer.ackedChunks = acked
            transfer.nextChunk = acked
            transfer.rewound = true
        }
        progress[position].transfer = transfer
        sendSnapshotChunks(to: position)
    }

    /// On a heartbeat reply: if no chunk was acknowledged since the previous one, the
    /// chunks in flight (or the last one) were lost; resend from the follower's end.
    mutating func retransmitSnapshotIfStalled(at position: Int) {
        guard var transfer = progress[position].transfer else { return }
        if !transfer.progressedSinceHeartbeat && transfer.nextChunk > transfer.ackedChunks {
            transfer.nextChunk = transfer.ackedChunks
            transfer.rewound = false
        }
        transfer.progressedSinceHeartbeat = false
        progress[position].transfer = transfer
        sendSnapshotChunks(to: position)
    }

    // MARK: Follower: reassembly and install

    mutating func handleSnapshotChunk(from leaderID: RaftNodeID, _ chunk: SnapshotChunk) {
        let meta = chunk.metadata
        guard chunk.offset >= 0, chunk.totalBytes >= 0, chunk.offset + chunk.data.count <= chunk.totalBytes else {
            pending.errors.append(RaftError(.malformedSnapshotChunk,
                "chunk [\(chunk.offset), +\(chunk.data.count)) of a \(chunk.totalBytes)-byte snapshot"))
            return
        }
        if meta.index <= log.committed {
            // We already have everything the snapshot covers.
            incomingSnapshot = nil
            send(to: leaderID, .appendResponse(AppendResponse(index: log.committed)))
            return
        }
        if incomingSnapshot?.metadata != meta || incomingSnapshot?.totalBytes != chunk.totalBytes {
            incomingSnapshot = chunk.offset == 0 ? IncomingSnapshot(metadata: meta, totalBytes: chunk.totalBytes) : nil
        }
        guard var incoming = incomingSnapshot, incoming.accept(chunk) else {
            let received = incomingSnapshot?.data.count ?? 0
            send(to: leaderID, .snapshotChunkResponse(SnapshotChunkResponse(snapshotIndex: meta.index,
                                                                            receivedBytes: received, outOfOrder: true)))
            return
        }
        guard chunk.done && incoming.isComplete else {
            incomingSnapshot = incoming
            send(to: leaderID, .snapshotChunkResponse(SnapshotChunkResponse(snapshotIndex: meta.index,
                                                                            receivedBytes: incoming.data.count,
                                                                            outOfOrder: false)))
            return
        }
        incomingSnapshot = nil
        restore(Snapshot(metadata: meta, data: incoming.data))
        // After an install the log ends at the snapshot; otherwise only the committed
        // prefix is known to match the leader.
        send(to: leaderID, .appendResponse(AppendResponse(index: log.committed)))
    }

    /// Installs a complete snapshot from the leader, unless our log already holds its last
    /// entry (then we only move the commit index).
    private mutating func restore(_ received: Snapshot) {
        let meta = received.metadata
        guard meta.index > log.committed else { return }
        if log.matches(index: meta.index, term: meta.term) {
            advanceCommit(to: meta.index)
            return
        }
        log.reset(snapshotIndex: meta.index, snapshotTerm: meta.term)
        snapshot = received
        configuration = meta.configuration
        pending.configuration = configuration
        handedOut = meta.index
        unstableFrom = nil
        pending.snapshot = received
        pending.restoreStateMachine = true
    }
}

/// A snapshot being reassembled on a follower, chunk by chunk, in order.
struct IncomingSnapshot: Sendable {
    let metadata: SnapshotMetadata
    let totalBytes: Int
    private(set) var data: [UInt8] = []

    init(metadata: SnapshotMetadata, totalBytes: Int) {
        self.metadata = metadata
        self.totalBytes = totalBytes
    }

    var isComplete: Bool { data.count == totalBytes }

    /// Takes the part of `chunk` that extends the received prefix (a duplicate adds
    /// nothing); false if the chunk starts beyond it (a gap).
    mutating func accept(_ chunk: SnapshotChunk) -> Bool {
        let end = chunk.offset + chunk.data.count
        guard chunk.offset <= data.count else { return false }
        guard end > data.count else { return true }
        if data.isEmpty { data.reserveCapacity(min(totalBytes, IncomingSnapshot.maxReservedBytes)) }
        data.append(contentsOf: chunk.data[(data.count - chunk.offset)...])
        return true
    }

    /// Upper bound on memory reserved up front from a sender-announced size.
    static let maxReservedBytes = 64 << 20
}
