import KeelTypes
import Metrics

/// One shard replica's metrics (swift-metrics; Prometheus in the `keel` binary).
struct ShardMetrics {
    let writes: Counter
    let reads: Counter
    let appliedRecords: Counter
    let logAppends: Counter
    let leaseValid: Gauge
    let isPrimary: Gauge

    init(shard: ShardID) {
        let dimensions = [("shard", "\(shard.rawValue)")]
        writes = Counter(label: "keel_data_writes_total", dimensions: dimensions)
        reads = Counter(label: "keel_data_reads_total", dimensions: dimensions)
        appliedRecords = Counter(label: "keel_data_applied_records_total", dimensions: dimensions)
        logAppends = Counter(label: "keel_data_log_appends_total", dimensions: dimensions)
        leaseValid = Gauge(label: "keel_data_primary_lease_valid", dimensions: dimensions)
        isPrimary = Gauge(label: "keel_data_is_primary", dimensions: dimensions)
    }
}
