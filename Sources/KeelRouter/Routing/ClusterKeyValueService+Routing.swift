import KeelCluster
import KeelDataProtocol
import KeelTransport
import KeelTypes

extension ClusterKeyValueService {
    /// Sends the request built by `makeRequest` to the replica that must serve `key`,
    /// following routing errors within the policy's attempts and deadline.
    func routed(
        key: [UInt8], isWrite: Bool, stale: Bool, _ makeRequest: (ShardID) -> DataRequest
    ) async throws(KeelError) -> DataResponse {
        let deadline = ContinuousClock.now.advanced(by: policy.deadline)
        var lastError = KeelError(.shardUnavailable, "no shard owns this key in the router's map")
        for attempt in 1...policy.maxAttempts {
            if attempt > 1 {
                guard ContinuousClock.now < deadline else { break }
                try? await Task.sleep(for: policy.backoff(attempt: attempt - 1, unit: random.withLock { $0.unit() }))
            }
            guard let shard = currentView.shard(owning: key) else {
                await refreshMap()
                continue
            }
            guard let target = replica(of: shard, stale: stale), let address = currentView.nodes[target]?.address else {
                lastError = KeelError(.shardUnavailable, "shard \(shard.id) has no primary right now", shard: shard)
                await refreshMap()
                continue
            }
            do {
                let response = try await transport.request(
                    makeRequest(shard.id), to: PeerAddress(host: address.host, port: address.port), timeout: policy.requestTimeout,
                    expecting: DataResponse.self)
                guard case .error(let error) = response, error.isRoutingError || error.code == .unavailable else { return response }
                lastError = error
                metrics.recordRetry(reason: error.code.rawValue)
                if let view = error.shard { learn(view) } else { await refreshMap() }
            } catch let error as TransportError {
                let maybe = isWrite && error.mayHaveBeenDelivered
                lastError = KeelError(
                    maybe ? .unavailable : .shardUnavailable,
                    "data node \(target) did not answer: \(error.message)", maybeApplied: maybe, shard: shard)
                metrics.recordRetry(reason: "unreachable")
                // A write that may have reached the primary is not retried blindly.
                if maybe { throw lastError }
                await refreshMap()
            } catch {
                lastError = KeelError(.internalError, "unexpected answer from \(target): \(error)", maybeApplied: isWrite)
                if isWrite { throw lastError }
            }
        }
        throw lastError
    }

    /// The primary, or for a stale read any replica of the configuration.
    private func replica(of shard: ShardDescriptor, stale: Bool) -> DataNodeID? {
        guard stale else { return shard.primary }
        let candidates = shard.configuration
        guard !candidates.isEmpty else { return nil }
        return candidates[Int(random.withLock { $0.next() } % UInt64(candidates.count))]
    }

    private func learn(_ descriptor: ShardDescriptor) {
        currentViewUpdate { $0.learn(descriptor) }
    }
}
