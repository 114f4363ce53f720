// swift-tools-version: 6.1
//
// Keel's benchmarks: a separate package so that the benchmark tool and its dependencies
// never enter Keel's own build. Run from this folder:
//
//   swift package --allow-writing-to-package-directory benchmark
//
// Figures, machine and command: README.md.
import PackageDescription

let package = Package(
    name: "KeelBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Keel", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Micro-benchmarks of KeelStorage: shard-store puts, LZ4, durable-log group commit.
        .executableTarget(
            name: "StorageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "KeelStorage", package: "Keel"),
            ],
            path: "Benchmarks/StorageBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
