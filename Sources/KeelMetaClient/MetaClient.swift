import KeelCluster
import KeelTransport
import KeelTypes
import KeelWire
import Synchronization

/// Talks to the meta group: finds the leader, follows `not_leader` hints, and moves on
/// to the next member when one does not answer.
///
/// Shared by data nodes, routers and `keelctl`. It rides on the caller's `PeerTransport`
/// so that all of a process's peer traffic shares connections.
public final class MetaClient: Sendable {
    public let members: [HostPort]
    let transport: PeerTransport
    let timeout: Duration
    private let preferred = Mutex<HostPort?>(nil)

    public init(members: [HostPort], transport: PeerTransport, timeout: Duration = .seconds(3)) {
        precondition(!members.isEmpty, "a meta client needs at least one member address")
        self.members = members
        self.transport = transport
        self.timeout = timeout
    }

    /// The member believed to lead, if any answer said so.
    public var knownLeader: HostPort? { preferred.withLock { $0 } }

    /// Sends `request` to the leader (or, for requests any member serves, to any member),
    /// trying every member at most twice. Throws the last `MetaFailure`.
    public func call(_ request: MetaRequest, timeout: Duration? = nil) async throws(MetaFailure) -> MetaResponse {
        var candidates = orderedCandidates()
        var lastFailure = MetaFailure(code: "unavailable", message: "no meta member answered")
        var attempts = 0
        while attempts < members.count * 2, !candidates.isEmpty {
            attempts += 1
            let target = candidates.removeFirst()
            do {
                let frame = try await transport.request(
                    MetaRequestFrame(request), to: PeerAddress(host: target.host, port: target.port),
                    timeout: timeout ?? self.timeout, expecting: MetaResponseFrame.self)
                if case .error(let failure) = frame.response {
                    lastFailure = failure
                    if failure.code == "not_leader" {
                        if let leader = failure.leader, leader != target {
                            preferred.withLock { $0 = leader }
                            candidates.insert(leader, at: 0)
                        } else {
                            // An election is under way: give it a moment.
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                        continue
                    }
                    throw failure
                }
                preferred.withLock { $0 = target }
                return frame.response
            } catch let failure as MetaFailure {
                throw failure
            } catch {
                lastFailure = MetaFailure(code: "unavailable", message: "meta member \(target) did not answer: \(error)", maybeApplied: true)
                preferred.withLock { if $0 == target { $0 = nil } }
            }
        }
        throw lastFailure
    }

    private func orderedCandidates() -> [HostPort] {
        let first = preferred.withLock { $0 }
        var list = members
        if let first {
            list.removeAll { $0 == first }
            list.insert(first, at: 0)
        }
        return list + list
    }
}
