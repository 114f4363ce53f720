import KeelTypes

/// What a local cluster should consist of (`keel dev` flags, or a test's choice).
public struct LocalClusterOptions: Sendable {
    public var directory: String
    public var metaNodes = 3
    public var dataNodes = 3
    public var replicas = 2
    public var replication = "primary-backup"
    public var initialShards = 4
    public var minInsync = 1
    /// Extra flags for every data node / the router (tests use them for short timeouts).
    public var extraDataArguments: [String] = []
    public var extraRouterArguments: [String] = []
    public var extraMetaArguments: [String] = []

    public init(directory: String) {
        self.directory = directory
    }
}

/// Ports of a local cluster's members.
public struct LocalClusterPorts: Sendable, Equatable {
    public var meta: [Int]
    public var data: [Int]
    public var router: Int

    public init(meta: [Int], data: [Int], router: Int) {
        self.meta = meta
        self.data = data
        self.router = router
    }

    /// `keel dev`'s layout: meta at `base+1…`, data at `base+101…`, the router on `httpPort`.
    public static func sequential(base: Int, httpPort: Int, metaNodes: Int, dataNodes: Int) -> LocalClusterPorts {
        LocalClusterPorts(
            meta: (1...metaNodes).map { base + $0 }, data: (1...dataNodes).map { base + 100 + $0 }, router: httpPort)
    }
}

/// The processes of a local cluster: their names, flags and folders.
///
/// Pure: it only computes the layout, so it is testable and the supervisors stay small.
public struct LocalClusterPlan: Sendable {
    public struct Member: Sendable, Equatable {
        /// Short unique name (`meta-1`, `data-2`, `router`); also the process's folder name.
        public var name: String
        public var arguments: [String]
        public var listen: HostPort
    }

    public var directory: String
    public var meta: [Member]
    public var data: [Member]
    public var router: Member

    /// Start order: meta members first (they must elect a leader), then data nodes, then the router.
    public var startOrder: [Member] { meta + data + [router] }

    /// The meta group's addresses, as `--meta` takes them.
    public var metaList: String { meta.map(\.listen.description).joined(separator: ",") }

    public init(options: LocalClusterOptions, ports: LocalClusterPorts) {
        precondition(ports.meta.count == options.metaNodes && ports.data.count == options.dataNodes)
        directory = options.directory
        let host = "127.0.0.1"
        let metaAddresses = ports.meta.map { HostPort(host: host, port: $0) }
        let peers = metaAddresses.enumerated().map { "\($0.offset + 1)=\($0.element)" }.joined(separator: ",")
        let metaList = metaAddresses.map(\.description).joined(separator: ",")
        meta = metaAddresses.enumerated().map { offset, address in
            let name = "meta-\(offset + 1)"
            return Member(
                name: name,
                arguments: [
                    "meta", "--id", "\(offset + 1)", "--listen", address.description, "--peers", peers,
                    "--dir", "\(options.directory)/\(name)", "--replicas", "\(options.replicas)",
                    "--replication", options.replication, "--initial-shards", "\(options.initialShards)",
                    "--min-insync", "\(options.minInsync)",
                ] + options.extraMetaArguments,
                listen: address)
        }
        data = ports.data.enumerated().map { offset, port in
            let name = "data-\(offset + 1)"
            let address = HostPort(host: host, port: port)
            return Member(
                name: name,
                arguments: [
                    "data", "--id", name, "--listen", address.description, "--meta", metaList,
                    "--dir", "\(options.directory)/\(name)", "--zone", "zone-\(offset % 3 + 1)",
                ] + options.extraDataArguments,
                listen: address)
        }
        let routerAddress = HostPort(host: host, port: ports.router)
        router = Member(
            name: "router",
            arguments: ["router", "--listen", routerAddress.description, "--meta", metaList] + options.extraRouterArguments,
            listen: routerAddress)
    }

    /// The member called `name`, if any.
    public func member(named name: String) -> Member? { startOrder.first { $0.name == name } }
}
