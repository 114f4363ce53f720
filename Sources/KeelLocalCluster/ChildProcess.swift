import Foundation

/// One child process of a local cluster, with its output appended to `<folder>/keel.log`.
///
/// The child is started in its own process group so that a Ctrl-C in the terminal reaches
/// only the supervisor, which then stops the children in order.
public final class ChildProcess: @unchecked Sendable {
    public let name: String
    public let logPath: String
    private let process = Process()

    public init(name: String, executable: String, arguments: [String], folder: String) throws {
        self.name = name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        logPath = "\(folder)/keel.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw LocalClusterError("cannot open \(logPath) for writing")
        }
        log.seekToEndOfFile()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
    }

    public func start() throws {
        try process.run()
        // A process group of its own: the terminal's SIGINT goes to the supervisor only.
        setpgid(process.processIdentifier, process.processIdentifier)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32 { process.terminationStatus }

    /// Kills the process at once (SIGKILL): what a crash looks like to the rest of the cluster.
    public func crash() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM, waits up to `grace` for the child to exit, then sends SIGKILL.
    public func stop(grace: Duration) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: grace)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        crash()
    }

    /// The last lines of the process's log, for error messages.
    public func logTail(lines: Int = 20) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// A failure to start or control a local cluster, printed to the user as is.
public struct LocalClusterError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
