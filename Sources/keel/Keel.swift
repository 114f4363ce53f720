import ArgumentParser

/// The `keel` server binary: one executable for every role.
@main
struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "Keel: a sharded key-value store for bulk data.",
        discussion: """
            One binary runs every role. A cluster is a meta group (3 or 5 `keel meta`), any \
            number of data nodes (`keel data`) and stateless routers (`keel router`). \
            `keel dev` starts all of them on this machine.
            """,
        subcommands: [ServeMeta.self, ServeData.self, ServeRouter.self, DevCommand.self])
}
