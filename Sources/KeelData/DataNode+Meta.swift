import KeelCluster
import KeelMetaClient
import KeelReplication
import KeelTypes

extension DataNode {
    /// Registers with the meta group, then follows the map for as long as the node runs.
    func registerAndWatch() async {
        await register()
        var version: UInt64 = 0
        while !Task.isCancelled {
            do {
                switch try await meta.call(.watch(fromVersion: version, waitMs: 5_000), timeout: .seconds(10)) {
                case .changes(let batches, let latest):
                    if !batches.isEmpty { inbox.pushUrgent(.mapChanges(batches)) }
                    version = latest
                case .map(let map):
                    inbox.pushUrgent(.mapReplaced(ClusterView(map)))
                    version = map.version
                default:
                    break
                }
            } catch {
                configuration.logger.debug("watch failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    private func register() async {
        while !Task.isCancelled {
            do {
                _ = try await meta.call(.register(id: configuration.id, address: configuration.advertise, zone: configuration.zone))
                configuration.logger.info("registered with the meta group", metadata: ["node.id": "\(configuration.id)"])
                return
            } catch {
                configuration.logger.info("registration failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func fetchFullMap() {
        let (meta, inbox) = (self.meta, self.inbox)
        Task {
            if case .map(let map)? = try? await meta.call(.getMap(linearizable: false)) { inbox.pushUrgent(.mapReplaced(ClusterView(map))) }
        }
    }

    /// Reports every replica's state and load; the answer carries primary leases.
    func sendHeartbeat(_ state: inout DataNodeState) {
        let sentAt = now
        let seconds = max(Double(sentAt.duration(since: state.lastHeartbeat).components.seconds), 0.001)
        state.lastHeartbeat = sentAt
        state.heartbeatInFlight = true
        // Retired copies are reported too, until they are dropped: a node that comes back
        // after it was removed shows the meta group it still holds the shard, which then
        // re-adds it as a learner that catches up from the log tail (as the simulation's
        // data nodes do) instead of copying the shard to another node in full.
        let reports = state.hosts.values.map { host in
            defer {
                host.reads = 0
                host.writes = 0
            }
            let statistics = try? host.store.statistics()
            let replica = host.replica
            let role: ReplicaRole =
                switch replica.role {
                case .primary: .primary
                case .backup: .backup
                case .learner: .learner
                case .inactive: .inactive
                }
            return ReplicaReport(
                shard: host.id, epoch: replica.descriptor.epoch, role: role, committed: replica.committed.rawValue,
                prepared: replica.durable.rawValue, keys: UInt64(statistics?.keyCount ?? 0), bytes: UInt64(statistics?.storedBytes ?? 0),
                readsPerSecond: Double(host.reads) / seconds, writesPerSecond: Double(host.writes) / seconds)
        }
        let heartbeat = NodeHeartbeat(node: configuration.id, replicas: reports)
        let (meta, inbox, logger) = (self.meta, self.inbox, configuration.logger)
        Task {
            do {
                if case .heartbeat(let reply) = try await meta.call(.heartbeat(heartbeat), timeout: .seconds(2)) {
                    inbox.pushUrgent(.heartbeatReply(reply, sentAt: sentAt))
                    return
                }
            } catch {
                logger.info("heartbeat failed", metadata: ["error": "\(error)"])
            }
            inbox.pushUrgent(.heartbeatReply(HeartbeatReply(mapVersion: 0, leases: [], registered: true), sentAt: sentAt))
        }
    }

    func heartbeatAnswered(_ reply: HeartbeatReply, sentAt: MonotonicTime, _ state: inout DataNodeState) {
        state.heartbeatInFlight = false
        if !reply.registered {
            Task { await self.reregister() }
            return
        }
        configuration.logger.debug("heartbeat answered", metadata: ["leases": "\(reply.leases.map { "\($0.shard)@\($0.epoch)" })", "map.version": "\(reply.mapVersion)"])
        for lease in reply.leases {
            state.hosts[lease.shard]?.replica.leaseGranted(
                epoch: lease.epoch, until: sentAt.advanced(by: .milliseconds(Int64(lease.durationMs))))
        }
        if reply.mapVersion > state.view.version { inbox.pushUrgent(.needFullMap) }
        for host in state.hosts.values {
            host.metrics.isPrimary.record(host.replica.role == .primary ? 1 : 0)
            host.metrics.leaseValid.record(host.replica.role == .primary && host.replica.servingError(now: now) == nil ? 1 : 0)
        }
    }

    private func reregister() async {
        _ = try? await meta.call(.register(id: configuration.id, address: configuration.advertise, zone: configuration.zone))
    }
}
