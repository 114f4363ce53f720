import KeelCluster
import KeelDataProtocol
import KeelMetaClient
import KeelTransport
import KeelTypes
import KeelWire
import Logging
import Synchronization

/// The router's view of the cluster and the routing of every request to the shard that
/// owns the key, at its primary (or any replica, for stale reads).
///
/// The shard map is a `ClusterView` kept fresh by a long-poll watch on the meta group
/// (`followMap`). A routing error (`not_primary`, `stale_epoch`, …) carries the data
/// node's view of the shard: the router adopts it and retries at once; without a newer
/// view it refreshes the map and retries with jittered backoff, within `RoutingPolicy`.
public final class ClusterKeyValueService: KeyValueService {
    let transport: PeerTransport
    let meta: MetaClient
    let policy: RoutingPolicy
    let logger: Logger
    let metrics: RouterMetrics
    private let view = Mutex(ClusterView())
    let random = Mutex(SplitMix64(seed: UInt64(truncatingIfNeeded: ContinuousClock.now.hashValue)))

    public init(transport: PeerTransport, meta: MetaClient, policy: RoutingPolicy = RoutingPolicy(), logger: Logger, metrics: RouterMetrics = RouterMetrics()) {
        self.transport = transport
        self.meta = meta
        self.policy = policy
        self.logger = logger
        self.metrics = metrics
    }

    // MARK: The map

    /// Follows the meta group's change feed until cancelled.
    public func followMap() async {
        var version: UInt64 = 0
        while !Task.isCancelled {
            do {
                switch try await meta.call(.watch(fromVersion: version, waitMs: 5_000), timeout: .seconds(10)) {
                case .changes(let batches, let latest):
                    let applied = view.withLock { $0.apply(batches) }
                    version = applied ? latest : 0
                case .map(let map):
                    view.withLock { $0 = ClusterView(map) }
                    version = map.version
                default:
                    break
                }
            } catch {
                logger.debug("map watch failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
    }

    /// Replaces the map with the meta group's current one.
    func refreshMap() async {
        if case .map(let map)? = try? await meta.call(.getMap(linearizable: false)) {
            view.withLock { current in if map.version > current.version { current = ClusterView(map) } }
        }
    }

    var currentView: ClusterView { view.withLock { $0 } }

    func currentViewUpdate(_ change: (inout ClusterView) -> Void) { view.withLock { change(&$0) } }

    // MARK: KeyValueService

    public func shard(for key: [UInt8]) async -> ShardID? { currentView.shard(owning: key)?.id }

    public func shardMap() async -> ShardMapView {
        let view = currentView
        return ShardMapView(version: view.version, shards: view.shardsInKeyOrder, nodes: view.nodes.mapValues(\.address))
    }

    public func readiness() async -> Readiness {
        let view = currentView
        guard view.version > 0, !view.shardsInKeyOrder.isEmpty else { return .notReady(reason: "no shard map from the meta group yet") }
        let unplaced = view.shardsInKeyOrder.filter { $0.primary == nil }.count
        guard unplaced == 0 else { return .notReady(reason: "\(unplaced) shards have no primary yet") }
        return .ready
    }

    public func get(_ key: [UInt8], consistency: ReadConsistency) async throws(KeelError) -> VersionedValue? {
        let response = try await routed(key: key, isWrite: false, stale: consistency == .stale) { shard in
            .get(shard: shard, key: key, consistency: consistency)
        }
        guard case .value(let value) = response else { throw unexpected(response) }
        return value
    }

    public func put(_ key: [UInt8], value: [UInt8], condition: WriteCondition) async throws(KeelError) -> WriteOutcome {
        try await single(.put(key: key, value: value, condition: condition))
    }

    public func delete(_ key: [UInt8], condition: WriteCondition) async throws(KeelError) -> WriteOutcome {
        try await single(.delete(key: key, condition: condition))
    }

    private func single(_ mutation: Mutation) async throws(KeelError) -> WriteOutcome {
        let response = try await routed(key: mutation.key, isWrite: true, stale: false) { shard in
            .write(shard: shard, mutations: [mutation])
        }
        guard case .writes(let results) = response, let result = results.first else { throw unexpected(response) }
        return try result.get()
    }

    public func write(batch: [Mutation], shard: ShardID) async -> [Result<WriteOutcome, KeelError>] {
        guard let first = batch.first else { return [] }
        do throws(KeelError) {
            let response = try await routed(key: first.key, isWrite: true, stale: false) { current in
                // The batch was grouped for `shard`; if the map moved the first key elsewhere,
                // the per-write answers re-route the rest.
                .write(shard: current, mutations: batch)
            }
            guard case .writes(let results) = response, results.count == batch.count else { throw unexpected(response) }
            var answers = results
            for (index, result) in results.enumerated() {
                // A write refused for routing reasons (the shard moved or changed primary
                // while the batch was in flight) was not applied: route it again.
                if case .failure(let error) = result, error.isRoutingError, !error.maybeApplied {
                    answers[index] = await rerouted(batch[index])
                }
            }
            return answers
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    private func rerouted(_ mutation: Mutation) async -> Result<WriteOutcome, KeelError> {
        do throws(KeelError) { return .success(try await single(mutation)) } catch { return .failure(error) }
    }

    public func scan(_ range: KeyRange, limit: Int, consistency: ReadConsistency) async throws(KeelError) -> ScanPage {
        var items: [ScanItem] = []
        var start = range.start
        while items.count < limit {
            guard let shard = currentView.shard(owning: start) else {
                throw KeelError(.shardUnavailable, "no shard owns the scan's start in the router's map")
            }
            let end = Self.minimumEnd(range.end, shard.range.end)
            let wanted = limit - items.count
            let from = start
            let response = try await routed(key: from, isWrite: false, stale: consistency == .stale) { id in
                .scan(shard: id, start: from, end: end, limit: wanted, consistency: consistency)
            }
            guard case .scan(let page, let next) = response else { throw unexpected(response) }
            items += page
            if let next { return ScanPage(items: items, next: next) }
            guard let shardEnd = shard.range.end, range.end.map({ shardEnd.lexicographicallyPrecedes($0) }) ?? true else {
                return ScanPage(items: items, next: nil)
            }
            start = shardEnd
        }
        return ScanPage(items: items, next: start)
    }

    static func minimumEnd(_ a: [UInt8]?, _ b: [UInt8]?) -> [UInt8]? {
        guard let a else { return b }
        guard let b else { return a }
        return a.lexicographicallyPrecedes(b) ? a : b
    }

    private func unexpected(_ response: DataResponse) -> KeelError {
        if case .error(let error) = response { return error }
        return KeelError(.internalError, "a data node answered with an unexpected message", maybeApplied: true)
    }
}
