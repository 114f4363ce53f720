import KeelTypes

/// The processes of a local cluster started by `keel dev`: their names, flags and folders.
///
/// Pure: it only computes the layout, so the layout is testable and the supervisor stays
/// small. Ports are allocated from `basePort`: meta members at `basePort+1…`, data nodes at
/// `basePort+101…`; the router listens on `httpPort`.
struct LocalClusterPlan: Sendable {
    struct Member: Sendable, Equatable {
        /// Short unique name (`meta-1`, `data-2`, `router`); also the process's folder name.
        var name: String
        var arguments: [String]
        var listen: HostPort
    }

    var directory: String
    var meta: [Member]
    var data: [Member]
    var router: Member

    /// Start order: meta members first (they must elect a leader), then data nodes, then the router.
    var startOrder: [Member] { meta + data + [router] }

    init(options: DevOptions) {
        directory = options.directory
        let host = "127.0.0.1"
        let metaAddresses = (1...options.metaNodes).map { HostPort(host: host, port: options.basePort + $0) }
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
                ],
                listen: address)
        }
        data = (1...options.dataNodes).map { index in
            let name = "data-\(index)"
            let address = HostPort(host: host, port: options.basePort + 100 + index)
            return Member(
                name: name,
                arguments: [
                    "data", "--id", name, "--listen", address.description, "--meta", metaList,
                    "--dir", "\(options.directory)/\(name)", "--zone", "zone-\((index - 1) % 3 + 1)",
                ],
                listen: address)
        }
        let routerAddress = HostPort(host: host, port: options.httpPort)
        router = Member(
            name: "router",
            arguments: ["router", "--listen", routerAddress.description, "--meta", metaList],
            listen: routerAddress)
    }
}

/// What `keel dev` was asked for, validated.
struct DevOptions: Sendable {
    var directory: String
    var httpPort: Int
    var dataNodes: Int
    var metaNodes: Int
    var replicas: Int
    var replication: String
    var initialShards: Int
    var basePort: Int
}
