import NIOCore

/// The bounded FIFO of frames waiting to be written to one connection.
///
/// Bounded by frame count and by bytes. A frame is accepted if both bounds hold after it,
/// or if the queue is empty (so a single large frame, already bounded by `maxFrameBytes`,
/// can always be sent). Responses bypass the bounds (`appendUnbounded`): their number is
/// bounded by the requests a peer may have outstanding.
struct OutboundQueue {
    let maxFrames: Int
    let maxBytes: Int
    private(set) var frames = CircularBuffer<OutboundFrame>()
    /// Wire bytes of the queued frames.
    private(set) var byteCount = 0

    init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = maxFrames
        self.maxBytes = maxBytes
    }

    var isEmpty: Bool { frames.isEmpty }
    var count: Int { frames.count }

    func canAccept(_ frame: OutboundFrame) -> Bool {
        frames.isEmpty || (frames.count < maxFrames && byteCount + frame.wireBytes <= maxBytes)
    }

    /// Appends `frame` if the bounds allow; returns whether it did.
    mutating func append(_ frame: OutboundFrame) -> Bool {
        guard canAccept(frame) else { return false }
        appendUnbounded(frame)
        return true
    }

    mutating func appendUnbounded(_ frame: OutboundFrame) {
        frames.append(frame)
        byteCount += frame.wireBytes
    }

    /// Removes frames from the front, at least one (if any) and then as many as fit in `maxBytes`.
    mutating func popBatch(maxBytes: Int) -> [OutboundFrame] {
        var batch: [OutboundFrame] = []
        var batchBytes = 0
        while let next = frames.first, batch.isEmpty || batchBytes + next.wireBytes <= maxBytes {
            batch.append(frames.removeFirst())
            batchBytes += next.wireBytes
        }
        byteCount -= batchBytes
        return batch
    }

    /// Removes and returns every frame matching `predicate`, keeping the others in order.
    mutating func removeAll(where predicate: (OutboundFrame) -> Bool) -> [OutboundFrame] {
        var kept = CircularBuffer<OutboundFrame>(initialCapacity: frames.count)
        var removed: [OutboundFrame] = []
        for frame in frames {
            if predicate(frame) { removed.append(frame) } else { kept.append(frame) }
        }
        frames = kept
        byteCount -= removed.reduce(0) { $0 + $1.wireBytes }
        return removed
    }

    /// Correlation ids of the request frames still queued (not yet written).
    var queuedRequestIDs: Set<UInt64> {
        Set(frames.lazy.filter { $0.kind == .request }.map(\.correlationID))
    }
}
