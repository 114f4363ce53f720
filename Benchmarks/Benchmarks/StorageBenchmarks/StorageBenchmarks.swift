import Benchmark
import Foundation
import KeelStorage
import KeelTypes
import Synchronization

// Micro-benchmarks of KeelStorage. Each benchmark records, besides wall-clock time per
// iteration, a custom metric with the figure that matters (puts/s, MB/s, appends/s,
// fsyncs/s), so the report shows its percentiles directly.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock],
        warmupIterations: 1,
        maxDuration: .seconds(4),
        maxIterations: 200)

    for valueBytes in [100, 4096] {
        for batchSize in [1, 64, 1024] {
            shardStorePuts(valueBytes: valueBytes, batchSize: batchSize)
        }
    }
    lz4(compress: true)
    lz4(compress: false)
    for appenders in [1, 16, 256] {
        logAppends(concurrentAppenders: appenders)
    }
}

// MARK: Shard store

/// Puts of fresh random 16-byte keys into one shard, `batchSize` per transaction
/// (durability `.committed`: every transaction is on disk when `write` returns). One
/// iteration writes 1024 puts (at least one batch).
func shardStorePuts(valueBytes: Int, batchSize: Int) {
    let putsPerIteration = max(1024, batchSize)
    let state = BenchmarkState<(TemporaryDirectory, ShardStore, StoredShard)>()
    Benchmark(
        "ShardStore put \(valueBytes) B, batch \(batchSize)",
        configuration: .init(metrics: [.wallClock, .custom("puts/s", polarity: .prefersLarger)])
    ) { benchmark in
        let (_, _, shard) = state.value
        var random = SplitMix64(seed: UInt64(valueBytes * 10_000 + batchSize))
        let value = Corpus.bytes(valueBytes, seed: UInt64(batchSize))
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            var written = 0
            while written < putsPerIteration {
                var batch = WriteBatch()
                for _ in 0..<batchSize { batch.put(random.key(), value) }
                try shard.write(batch)
                written += batchSize
            }
            benchmark.measurement(.custom("puts/s"), Int(Double(written) / (ContinuousClock.now - start).seconds))
        }
    } setup: {
        let directory = TemporaryDirectory()
        let store = try ShardStore(directory: directory.path)
        state.value = (directory, store, try store.createShard(ShardID(1), range: .all))
    } teardown: {
        state.value.1.close()
        state.value.0.remove()
    }
}

// MARK: LZ4

/// Compressing or decompressing 1 MiB of semi-compressible text (JSON-like records) as
/// 64 KiB values through `ValueCodec`.
func lz4(compress: Bool) {
    Benchmark(
        compress ? "LZ4 compress 64 KiB values" : "LZ4 decompress 64 KiB values",
        configuration: .init(metrics: [.wallClock, .custom("MB/s", polarity: .prefersLarger), .custom("stored per 1000 B")])
    ) { benchmark in
        let codec = ValueCodec()
        let values = (0..<16).map { Corpus.text(64 << 10, seed: UInt64($0)) }
        let stored = try values.map { try codec.encode($0) }
        var output: [UInt8] = []
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            for round in 0..<16 {
                if compress {
                    try values[round].withUnsafeBytes { try codec.encode($0, into: &output) }
                } else {
                    blackHole(try codec.decode(stored[round]))
                }
            }
            benchmark.measurement(.custom("MB/s"), Int(Double(16 * (64 << 10)) / 1e6 / (ContinuousClock.now - start).seconds))
        }
        // How well this corpus compresses, for the record: stored bytes per 1000 original bytes.
        benchmark.measurement(.custom("stored per 1000 B"), 1000 * stored.reduce(0) { $0 + $1.count } / (16 * (64 << 10)))
    }
}

// MARK: Durable log

/// `concurrentAppenders` tasks append 100-byte records to one log until 4096 records are
/// durable; fsyncs are counted at the file layer.
func logAppends(concurrentAppenders: Int) {
    let state = BenchmarkState<(TemporaryDirectory, DurableLog, SyncCounter)>()
    Benchmark(
        "DurableLog append 100 B, \(concurrentAppenders) concurrent appenders",
        configuration: .init(metrics: [
            .wallClock, .custom("appends/s", polarity: .prefersLarger), .custom("fsyncs/s", polarity: .prefersSmaller),
            .custom("appends per fsync", polarity: .prefersLarger),
        ])
    ) { benchmark in
        let (_, log, syncs) = state.value
        let total = 4096
        let perTask = total / concurrentAppenders
        let payload = Corpus.bytes(100, seed: 7)
        for _ in benchmark.scaledIterations {
            let syncsBefore = syncs.count
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrentAppenders {
                    group.addTask { for _ in 0..<perTask { try await log.append(payload) } }
                }
                try await group.waitForAll()
            }
            let seconds = (ContinuousClock.now - start).seconds
            let fsyncs = syncs.count - syncsBefore
            benchmark.measurement(.custom("appends/s"), Int(Double(total) / seconds))
            benchmark.measurement(.custom("fsyncs/s"), Int(Double(fsyncs) / seconds))
            benchmark.measurement(.custom("appends per fsync"), total / max(1, fsyncs))
        }
    } setup: {
        let directory = TemporaryDirectory()
        let syncs = SyncCounter()
        let log = try DurableLog(directory: directory.path, options: .init(faults: syncs.injector))
        state.value = (directory, log, syncs)
    } teardown: {
        state.value.1.close()
        state.value.0.remove()
    }
}

// MARK: Support

/// Holds what a benchmark's setup creates for its body and teardown.
final class BenchmarkState<Value>: @unchecked Sendable {
    private var stored: Value?
    var value: Value {
        get { stored! }
        set { stored = newValue }
    }
}

/// Counts file syncs through the log's fault-injection hook (which otherwise does nothing).
final class SyncCounter: Sendable {
    private let syncs = Atomic<Int>(0)
    var count: Int { syncs.load(ordering: .relaxed) }
    var injector: IOFaultInjector {
        IOFaultInjector(beforeSync: { [self] _ in
            syncs.add(1, ordering: .relaxed)
            return nil
        })
    }
}

struct TemporaryDirectory {
    let path = NSTemporaryDirectory() + "keel-bench-\(UUID().uuidString)"
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// SplitMix64, for repeatable keys and data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random 16-byte key.
    mutating func key() -> [UInt8] {
        withUnsafeBytes(of: (next(), next())) { Array($0) }
    }
}

enum Corpus {
    /// Semi-compressible bytes: half random, half repeated.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { $0 % 2 == 0 ? UInt8(truncatingIfNeeded: random.next()) : 0x20 }
    }

    /// JSON-like records with random ids and numbers, the kind of value bulk loads carry.
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 200)
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
        while out.count < count {
            let record = "{\"id\":\(random.next() % 1_000_000_000),\"name\":\"\(words[Int(random.next() % 8)])-\(random.next() % 10_000)\","
                + "\"score\":\(Double(random.next() % 100_000) / 100),\"tags\":[\"\(words[Int(random.next() % 8)])\"]}\n"
            out.append(contentsOf: record.utf8)
        }
        return Array(out.prefix(count))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
