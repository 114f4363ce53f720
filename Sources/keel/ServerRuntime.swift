import Foundation
import Logging
import ServiceLifecycle

/// Runs a server role until SIGTERM or SIGINT, then lets it stop gracefully.
enum ServerRuntime {
    /// Logs to standard error, one line per event with its metadata; `KEEL_LOG_LEVEL` (trace…critical) sets the level.
    static func logger(_ label: String) -> Logger {
        let level = ProcessInfoEnvironment.value("KEEL_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    static func run(
        _ label: String, logger: Logger, services extra: [any Service] = [], _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        let group = ServiceGroup(
            services: [ClosureService(body: body)] + extra, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// A `Service` whose work is a closure, cancelled on graceful shutdown.
struct ClosureService: Service {
    init(body: @escaping @Sendable () async throws -> Void) { self.body = body }
    let body: @Sendable () async throws -> Void
    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}

enum ProcessInfoEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}
