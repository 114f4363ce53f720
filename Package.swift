// swift-tools-version: 6.1
//
// Keel: a sharded key-value store for bulk data.
// The target layout is explained in docs/ARCHITECTURE.md: pure protocol cores
// (KeelRaft, KeelReplication, KeelCluster) depend on nothing but the standard
// library; shells add I/O around them.
import PackageDescription

/// Settings every Keel target shares: Swift 6 language mode (strict concurrency is its default).
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Keel",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KeelRaft", targets: ["KeelRaft"]),
        .library(name: "KeelStorage", targets: ["KeelStorage"]),
        .executable(name: "keel-storage-torture", targets: ["KeelStorageTorture"]),
    ],
    dependencies: [],
    targets: [
        // System libraries, found through pkg-config (Debian: libsqlite3-dev, liblz4-dev).
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),

        // Shared vocabulary: identifiers, key ranges, shard descriptors, limits.
        .target(name: "KeelTypes", swiftSettings: strict),

        // Pure protocol cores: no I/O, no clock, no randomness of their own.
        .target(name: "KeelRaft", swiftSettings: strict),
        .target(name: "KeelReplication", dependencies: ["KeelTypes"], swiftSettings: strict),
        .target(name: "KeelCluster", dependencies: ["KeelTypes"], swiftSettings: strict),

        // Storage: durable log, shard store on SQLite, LZ4 value codec.
        .target(name: "KeelStorage", dependencies: ["CSQLite", "CLZ4", "KeelTypes"], swiftSettings: strict),
        // Child process of KeelStorage's crash tests: writes until SIGKILLed, acknowledging each durable write.
        .executableTarget(name: "KeelStorageTorture", dependencies: ["KeelStorage", "KeelTypes"], swiftSettings: strict),

        // Test support: deterministic simulator and linearizability checker.
        .target(
            name: "KeelSimulation",
            dependencies: ["KeelRaft", "KeelReplication", "KeelCluster", "KeelTypes"],
            swiftSettings: strict),

        .testTarget(name: "KeelTypesTests", dependencies: ["KeelTypes"], swiftSettings: strict),
        .testTarget(name: "KeelRaftTests", dependencies: ["KeelRaft", "KeelSimulation"], swiftSettings: strict),
        .testTarget(name: "KeelReplicationTests", dependencies: ["KeelReplication", "KeelSimulation"], swiftSettings: strict),
        .testTarget(name: "KeelClusterTests", dependencies: ["KeelCluster", "KeelSimulation"], swiftSettings: strict),
        .testTarget(name: "KeelStorageTests", dependencies: ["KeelStorage", "KeelStorageTorture"], swiftSettings: strict),
        .testTarget(name: "KeelSimulationTests", dependencies: ["KeelSimulation"], swiftSettings: strict),
    ]
)
