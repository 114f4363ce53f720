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
        .library(name: "KeelClient", targets: ["KeelClient"]),
        .library(name: "KeelWire", targets: ["KeelWire"]),
        .library(name: "KeelTransport", targets: ["KeelTransport"]),
        .executable(name: "keel", targets: ["keel"]),
        .executable(name: "keelctl", targets: ["keelctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/onevcat/Rainbow.git", from: "4.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
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

        // Peer protocol: versioned binary encoding (KeelWire) and the SwiftNIO transport that carries it.
        .target(name: "KeelWire", dependencies: ["KeelTypes"], swiftSettings: strict),
        .target(
            name: "KeelTransport",
            dependencies: [
                "KeelWire", "KeelTypes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Raft messages on the wire.
        .target(name: "KeelRaftWire", dependencies: ["KeelRaft", "KeelWire"], swiftSettings: strict),

        // Durable Raft storage: log and hard state on the DurableLog, snapshots in a file.
        .target(name: "KeelRaftStorage", dependencies: ["KeelRaft", "KeelRaftWire", "KeelStorage", "KeelWire"], swiftSettings: strict),

        // The meta protocol (requests, answers) and the client that finds the leader.
        .target(
            name: "KeelMetaClient",
            dependencies: ["KeelCluster", "KeelTypes", "KeelWire", "KeelTransport"],
            swiftSettings: strict),

        // keel meta: a Raft group whose state machine is the cluster map.
        .target(
            name: "KeelMeta",
            dependencies: [
                "KeelCluster", "KeelMetaClient", "KeelRaft", "KeelRaftStorage", "KeelRaftWire", "KeelTransport",
                "KeelTypes", "KeelWire", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),

        // Data-plane messages: router → data node requests, replication traffic.
        .target(name: "KeelDataProtocol", dependencies: ["KeelReplication", "KeelTypes", "KeelWire"], swiftSettings: strict),

        // keel data: shard replicas on SQLite with PacificA replication.
        .target(
            name: "KeelData",
            dependencies: [
                "KeelCluster", "KeelDataProtocol", "KeelMetaClient", "KeelRaft", "KeelRaftStorage", "KeelRaftWire", "KeelReplication", "KeelStorage",
                "KeelTransport",
                "KeelTypes", "KeelWire", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),

        // Test support: deterministic simulator and linearizability checker.
        .target(
            name: "KeelSimulation",
            dependencies: ["KeelRaft", "KeelReplication", "KeelCluster", "KeelTypes"],
            swiftSettings: strict),

        // Test support: the data plane (replica cores + meta leader) under the deterministic simulator.
        .target(
            name: "KeelDataPlaneSimulation",
            dependencies: ["KeelReplication", "KeelCluster", "KeelTypes", "KeelSimulation"],
            swiftSettings: strict),

        // The router: HTTP API, routing by key range, bulk ingest.
        .target(
            name: "KeelRouter",
            dependencies: [
                "KeelTypes", "KeelCluster", "KeelDataProtocol", "KeelMetaClient", "KeelTransport", "KeelWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Swift client for the router's HTTP API.
        .target(
            name: "KeelClient",
            dependencies: ["KeelTypes", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict),

        // Runs a whole cluster as child processes (keel dev, process-level tests).
        .target(name: "KeelLocalCluster", dependencies: ["KeelTypes"], swiftSettings: strict),

        // The server binary: keel meta | data | router | dev.
        .executableTarget(
            name: "keel",
            dependencies: [
                "KeelTypes", "KeelLocalCluster", "KeelCluster", "KeelMeta", "KeelData", "KeelRouter", "KeelMetaClient",
                "KeelTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // The admin CLI.
        .executableTarget(
            name: "keelctl",
            dependencies: [
                "KeelTypes", "KeelClient", "KeelCluster", "KeelMetaClient", "KeelTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Rainbow", package: "Rainbow"),
            ],
            swiftSettings: strict),

        .testTarget(name: "KeelTypesTests", dependencies: ["KeelTypes"], swiftSettings: strict),
        .testTarget(name: "KeelRaftTests", dependencies: ["KeelRaft"], swiftSettings: strict),
        .testTarget(name: "KeelReplicationTests", dependencies: ["KeelReplication"], swiftSettings: strict),
        .testTarget(name: "KeelClusterTests", dependencies: ["KeelCluster"], swiftSettings: strict),
        .testTarget(name: "KeelStorageTests", dependencies: ["KeelStorage", "KeelStorageTorture", "KeelTypes"], swiftSettings: strict),
        .testTarget(name: "KeelRouterTests", dependencies: ["KeelRouter", .product(name: "HummingbirdTesting", package: "hummingbird")], swiftSettings: strict),
        // Real processes on loopback; they need the keel binary, which swift build --build-tests builds.
        .testTarget(
            name: "KeelProcessTests",
            dependencies: [
                "KeelClient", "KeelCluster", "KeelDataProtocol", "KeelLocalCluster", "KeelMetaClient", "KeelTransport", "KeelTypes",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
        .testTarget(name: "KeelctlTests", dependencies: ["keelctl"], swiftSettings: strict),
        .testTarget(name: "KeelSimulationTests", dependencies: ["KeelSimulation"], swiftSettings: strict),
        // The deterministic Raft simulation over many seeds (KEEL_SIM_SEEDS=N, KEEL_SIM_SEED=S).
        .testTarget(name: "KeelRaftSimulationTests", dependencies: ["KeelSimulation", "KeelRaft"], swiftSettings: strict),
        .testTarget(
            name: "KeelDataPlaneSimulationTests",
            dependencies: ["KeelDataPlaneSimulation", "KeelReplication", "KeelCluster", "KeelTypes", "KeelSimulation"],
            swiftSettings: strict),
        .testTarget(name: "KeelRaftStorageTests", dependencies: ["KeelRaftStorage", "KeelRaft", "KeelStorage"], swiftSettings: strict),
        .testTarget(name: "KeelDataProtocolTests", dependencies: ["KeelDataProtocol", "KeelReplication", "KeelTypes", "KeelWire"], swiftSettings: strict),
        .testTarget(name: "KeelRaftWireTests", dependencies: ["KeelRaftWire", "KeelRaft", "KeelWire"], swiftSettings: strict),
        .testTarget(name: "KeelWireTests", dependencies: ["KeelWire", "KeelTypes"], swiftSettings: strict),
        .testTarget(
            name: "KeelTransportTests",
            dependencies: [
                "KeelTransport", "KeelTypes", "KeelWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
    ]
)
