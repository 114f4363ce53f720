import ArgumentParser

/// `keelctl`: the admin CLI.
@main
struct Keelctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keelctl",
        abstract: "Administer a Keel cluster.",
        discussion: """
            Cluster commands take the meta group's addresses with --meta HOST:PORT,… or the \
            KEEL_META environment variable; data commands take a router URL with --router or \
            KEEL_ROUTER. Every command accepts --output table|json.
            """,
        subcommands: [StatusCommand.self, NodesCommand.self, ShardsCommand.self, MetaGroupCommand.self, ImportCommand.self])
}

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json
}
