import Foundation
import KeelTypes

/// A running local cluster: every member of a `LocalClusterPlan` as a child process.
///
/// Used by `keel dev` and by the process-level tests, which also crash and restart
/// members. Not thread-safe: one task drives it.
public final class LocalCluster: @unchecked Sendable {
    public let plan: LocalClusterPlan
    public let executable: String
    private(set) public var processes: [String: ChildProcess] = [:]

    public init(plan: LocalClusterPlan, executable: String) {
        self.plan = plan
        self.executable = executable
    }

    /// Starts every member in `plan.startOrder`; `onStart` reports each one.
    public func start(onStart: (LocalClusterPlan.Member, ChildProcess) -> Void = { _, _ in }) throws {
        try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
        for member in plan.startOrder { onStart(member, try start(member)) }
    }

    /// Starts (or restarts, with the same flags and folder) the member called `name`.
    @discardableResult
    public func start(_ name: String) throws -> ChildProcess {
        guard let member = plan.member(named: name) else { throw LocalClusterError("no member called \(name)") }
        return try start(member)
    }

    private func start(_ member: LocalClusterPlan.Member) throws -> ChildProcess {
        if let running = processes[member.name], running.isRunning {
            throw LocalClusterError("\(member.name) is already running")
        }
        let child = try ChildProcess(
            name: member.name, executable: executable, arguments: member.arguments, folder: "\(plan.directory)/\(member.name)")
        try child.start()
        processes[member.name] = child
        return child
    }

    /// SIGKILLs the member called `name`.
    public func crash(_ name: String) { processes[name]?.crash() }

    /// Stops every member in reverse start order (SIGTERM, then SIGKILL after `grace`).
    public func stop(grace: Duration = .seconds(10)) async {
        for member in plan.startOrder.reversed() { await processes[member.name]?.stop(grace: grace) }
    }

    /// The first member that has exited, if any.
    public var firstExited: ChildProcess? {
        plan.startOrder.lazy.compactMap { self.processes[$0.name] }.first { !$0.isRunning }
    }
}

/// Finds free TCP ports on the loopback interface (bind, read the port, close).
public enum FreePorts {
    public static func allocate(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let (fd, port) = try bindLoopback(port: 0)
            sockets.append(fd)
            ports.append(port)
        }
        return ports
    }

    /// Whether `port` can be bound on the loopback interface right now.
    public static func isFree(_ port: Int) -> Bool {
        guard let (fd, _) = try? bindLoopback(port: port) else { return false }
        close(fd)
        return true
    }

    /// A base port for `LocalClusterPorts.sequential` whose meta and data ports are all free now.
    public static func sequentialBase(metaNodes: Int, dataNodes: Int, attempts: Int = 50) throws -> Int {
        for _ in 0..<attempts {
            let base = try allocate(1)[0] % 20_000 + 20_000
            let ports = LocalClusterPorts.sequential(base: base, httpPort: 0, metaNodes: metaNodes, dataNodes: dataNodes)
            if (ports.meta + ports.data).allSatisfy(isFree) { return base }
        }
        throw LocalClusterError("no free range of ports for a local cluster after \(attempts) tries")
    }

    /// A socket bound to 127.0.0.1:`port` (0: any free port), and the port it got.
    private static func bindLoopback(port: Int) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalClusterError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw LocalClusterError("bind() failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
