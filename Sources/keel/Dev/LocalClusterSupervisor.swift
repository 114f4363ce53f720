import Foundation
import KeelLocalCluster
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs a `LocalClusterPlan`: starts every process, waits until the router is ready,
/// prints the endpoints, and stops everything in reverse order on SIGINT or SIGTERM.
///
/// A child that exits on its own is reported with the tail of its log; the others keep
/// running so that the cluster's failover can be watched.
struct LocalClusterSupervisor {
    var plan: LocalClusterPlan
    var executable: String
    var readinessTimeout: Duration = .seconds(60)

    func run() async throws {
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM])
        let cluster = LocalCluster(plan: plan, executable: executable)
        do {
            try cluster.start { member, child in
                say("started \(member.name.padding(toLength: 7, withPad: " ", startingAt: 0)) pid \(child.pid)  \(member.listen)")
            }
            try await waitUntilReady(cluster: cluster, signals: signals)
            printWelcome()
            try await superviseUntilSignal(cluster: cluster, signals: signals)
        } catch {
            await stop(cluster)
            throw error
        }
        await stop(cluster)
    }

    private func waitUntilReady(cluster: LocalCluster, signals: SignalWatcher) async throws {
        let url = URL(string: "http://\(plan.router.listen)/readyz")!
        let deadline = ContinuousClock.now.advanced(by: readinessTimeout)
        while ContinuousClock.now < deadline {
            if signals.received != nil { throw LocalClusterError("interrupted before the cluster was ready") }
            if let dead = cluster.firstExited {
                throw LocalClusterError(
                    "\(dead.name) exited with status \(dead.exitStatus) during startup; see \(dead.logPath)\n\(dead.logTail())")
            }
            if await Self.isReady(url) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LocalClusterError("the cluster was not ready within \(readinessTimeout); logs are under \(plan.directory)/*/keel.log")
    }

    private func superviseUntilSignal(cluster: LocalCluster, signals: SignalWatcher) async throws {
        var reported = Set<String>()
        while signals.received == nil {
            for child in cluster.processes.values where !child.isRunning && !reported.contains(child.name) {
                reported.insert(child.name)
                say("\(child.name) exited with status \(child.exitStatus); see \(child.logPath)")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        say("\nstopping the cluster…")
    }

    private func stop(_ cluster: LocalCluster) async {
        await cluster.stop()
        say("stopped; data kept in \(plan.directory)")
    }

    private func printWelcome() {
        let router = plan.router.listen
        say("""

            Keel is ready.
              router   http://\(router)
              meta     \(plan.meta.map(\.listen.description).joined(separator: ","))
              data     \(plan.data.map(\.listen.description).joined(separator: ","))
              logs     \(plan.directory)/<process>/keel.log

            Try:
              curl -X PUT --data-binary 'hello' http://\(router)/v1/kv/greeting
              curl http://\(router)/v1/kv/greeting
              keelctl status --meta \(plan.meta.map(\.listen.description).joined(separator: ","))

            Press Ctrl-C to stop.
            """)
    }

    static func isReady(_ url: URL) async -> Bool {
        var request = URLRequest(url: url)
        request.timeoutInterval = 1
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }
}

/// Records the first of a set of signals; the default action (terminate) is disabled for them.
final class SignalWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Int32?
    private var sources: [any DispatchSourceSignal] = []

    init(signals: [Int32]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.record(number) }
            source.resume()
            sources.append(source)
        }
    }

    private func record(_ number: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if first == nil { first = number }
    }

    /// The first signal received, if any.
    var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }
}

/// Writes a line to standard output at once: `print` is fully buffered when the output is
/// a file or a pipe, and `keel dev > dev.log` must show the endpoints while it runs.
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
