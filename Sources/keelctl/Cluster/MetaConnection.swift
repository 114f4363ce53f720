import ArgumentParser
import Foundation
import KeelMetaClient
import KeelTransport
import KeelTypes

/// `--meta` (or `KEEL_META`) and `--output`, shared by every cluster command.
struct MetaOptions: ParsableArguments {
    @Option(help: "Meta members HOST:PORT,… (or KEEL_META).")
    var meta: String?

    @Option(help: "table or json.")
    var output: OutputFormat = .table

    func addresses() throws -> [HostPort] {
        guard let text = meta ?? ProcessInfo.processInfo.environment["KEEL_META"] else {
            throw ValidationError("give the meta group with --meta HOST:PORT,… or KEEL_META")
        }
        return try HostPort.parseList(text)
    }

    /// Runs `body` with a client connected to the meta group.
    func withClient<T>(_ body: (MetaClient) async throws -> T) async throws -> T {
        let transport = PeerTransport(configuration: TransportConfiguration(nodeID: "keelctl-\(getpid())"))
        let client = MetaClient(members: try addresses(), transport: transport)
        do {
            let result = try await body(client)
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }
}

extension MetaFailure {
    /// Turns a meta failure into a CLI error with its code.
    var cliError: ValidationError { ValidationError("\(code): \(message)") }
}

/// Prints a value as sorted-key JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints rows as an aligned table.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        print(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}
