import ArgumentParser
import Foundation
import KeelClient
import NIOCore

/// `keelctl import FILE`: bulk-loads NDJSON or CSV through a router, resumably.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bulk-load an NDJSON or CSV file through a router.",
        discussion: """
            NDJSON lines are {"key":…,"value":…}, {"key":…,"value_b64":…} or \
            {"op":"delete","key":…}. CSV records are key,value (RFC 4180 quoting; --csv-header \
            skips a header row). The file is sent in segments of --segment-mib; after each \
            segment the progress is saved in FILE.keel-import.json, and running the same \
            command again resumes after the last acknowledged segment (--restart starts over). \
            Bad records are reported with their line number and do not stop the load.
            """)

    @Argument(help: "The file to load (.ndjson/.jsonl or .csv).")
    var file: String

    @Option(help: "Router URL (or KEEL_ROUTER).")
    var router: String?

    @Option(help: "ndjson or csv (default: from the file extension).")
    var format: String?

    @Flag(name: .customLong("csv-header"), help: "The CSV file starts with a header row.")
    var csvHeader = false

    @Option(name: .customLong("segment-mib"), help: "Size of each bulk request, in MiB.")
    var segmentMiB: Int = 16

    @Option(name: .customLong("token-file"), help: "File holding the router's bearer token.")
    var tokenFile: String?

    @Flag(help: "Ignore saved progress and load the whole file again.")
    var restart = false

    @Option(help: "table or json.")
    var output: OutputFormat = .table

    func validate() throws {
        guard (1...1024).contains(segmentMiB) else { throw ValidationError("--segment-mib must be 1 to 1024") }
        if let format, !["ndjson", "csv"].contains(format) { throw ValidationError("--format must be ndjson or csv") }
    }

    func run() async throws {
        guard let routerURL = router ?? ProcessInfo.processInfo.environment["KEEL_ROUTER"] else {
            throw ValidationError("give the router with --router URL or KEEL_ROUTER")
        }
        var clientConfiguration = KeelClient.Configuration()
        if let tokenFile {
            clientConfiguration.token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let client = KeelClient(baseURL: routerURL, configuration: clientConfiguration)
        do {
            let report = try await ImportRun(
                file: file, format: resolvedFormat, csvHeader: csvHeader, segmentBytes: segmentMiB << 20,
                restart: restart, client: client
            ).run()
            try await client.shutdown()
            report.print(as: output)
            if report.failed > 0 { throw ExitCode(2) }
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private var resolvedFormat: ImportSource.Format {
        if let format { return ImportSource.Format(rawValue: format)! }
        return file.lowercased().hasSuffix(".csv") ? .csv : .ndjson
    }
}
