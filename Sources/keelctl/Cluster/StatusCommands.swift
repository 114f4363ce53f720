import ArgumentParser
import KeelCluster
import KeelMetaClient
import KeelTypes

/// `keelctl meta members`: the meta group's members and leader.
struct MetaGroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta", abstract: "The meta group itself.",
        subcommands: [MetaMembersCommand.self, MetaAddCommand.self, MetaRemoveCommand.self])
}

struct MetaMembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List the meta group's members.")
    @OptionGroup var options: MetaOptions

    func run() async throws {
        let response = try await options.withClient { client in try await client.call(.members) }
        guard case .members(let members) = response else { throw ValidationError("unexpected answer: \(response)") }
        if options.output == .json { return try printJSON(members) }
        print("term \(members.term), commit \(members.commitIndex), leader \(members.leader.map(String.init) ?? "none")")
        printTable(
            ["ID", "ADDRESS", "ROLE", "MATCH"],
            members.members.map { ["\($0.id)", $0.address?.description ?? "?", $0.role, $0.match.map(String.init) ?? "-"] })
    }
}

/// `keelctl meta add ID HOST:PORT`: adds a member (start it first with `keel meta --join`).
struct MetaAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a meta member: it joins as a learner and is promoted to voter once caught up.",
        discussion: "Start the new member first: keel meta --id ID --listen HOST:PORT --peers <all, itself included> --dir PATH --join")
    @Argument(help: "The new member's numeric id.") var id: UInt64
    @Argument(help: "Its HOST:PORT.") var address: String
    @OptionGroup var options: MetaOptions

    func run() async throws {
        let target = try HostPort(parsing: address)
        let response = try await options.withClient { client in try await client.call(.addMember(id: id, address: target)) }
        guard response == .ok else { throw ValidationError("unexpected answer: \(response)") }
        print("member \(id) added as a learner; it becomes a voter once caught up (keelctl meta members)")
    }
}

/// `keelctl meta remove ID`.
struct MetaRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a meta member.")
    @Argument(help: "The member's numeric id.") var id: UInt64
    @OptionGroup var options: MetaOptions

    func run() async throws {
        let response = try await options.withClient { client in try await client.call(.removeMember(id: id)) }
        guard response == .ok else { throw ValidationError("unexpected answer: \(response)") }
        print("member \(id) removed; stop its process")
    }
}

/// Reads the map linearizably from the leader.
func fetchMap(_ options: MetaOptions) async throws -> ClusterMap {
    let response = try await options.withClient { client in try await client.call(.getMap(linearizable: true)) }
    guard case .map(let map) = response else { throw ValidationError("unexpected answer: \(response)") }
    return map
}

/// `keelctl status`: a one-screen summary of the cluster.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Summarise the cluster's health.")
    @OptionGroup var options: MetaOptions

    func run() async throws {
        let map = try await fetchMap(options)
        if options.output == .json { return try printJSON(map) }
        let nodes = map.nodes.values
        let shards = map.shardsInKeyOrder
        let unplaced = shards.filter { $0.primary == nil }.count
        let under = shards.filter { $0.primary != nil && $0.configuration.count < map.settings.replicas }.count
        print("cluster map version \(map.version), \(map.isBootstrapped ? "bootstrapped" : "not bootstrapped yet")")
        print("replication \(map.settings.replication.rawValue), \(map.settings.replicas) replicas, min-insync \(map.settings.minInsync)")
        print("data nodes  \(nodes.count) (\(nodes.filter { $0.state == .up }.count) up)")
        print("shards      \(shards.count) (\(unplaced) without replicas, \(under) under-replicated)")
    }
}

/// `keelctl nodes`: the data nodes.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nodes", abstract: "List the data nodes.")
    @OptionGroup var options: MetaOptions

    func run() async throws {
        let map = try await fetchMap(options)
        let nodes = map.nodes.values.sorted { $0.id < $1.id }
        if options.output == .json { return try printJSON(nodes) }
        printTable(
            ["ID", "ADDRESS", "ZONE", "STATE", "PRIMARIES", "REPLICAS"],
            nodes.map { node in
                let held = map.shards(on: node.id)
                return [node.id.rawValue, node.address.description, node.zone, node.state.rawValue,
                        "\(held.filter { $0.primary == node.id }.count)", "\(held.count)"]
            })
    }
}

/// `keelctl shards`: the shards in key order.
struct ShardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shards", abstract: "List the shards in key order.")
    @OptionGroup var options: MetaOptions

    func run() async throws {
        let map = try await fetchMap(options)
        let shards = map.shardsInKeyOrder
        if options.output == .json { return try printJSON(shards) }
        printTable(
            ["ID", "RANGE", "EPOCH", "PRIMARY", "BACKUPS", "LEARNERS"],
            shards.map { shard in
                ["\(shard.id.rawValue)", shard.range.description, "\(shard.epoch.rawValue)", shard.primary?.rawValue ?? "-",
                 shard.backups.map(\.rawValue).joined(separator: ","), shard.learners.map(\.rawValue).joined(separator: ",")]
            })
    }
}
