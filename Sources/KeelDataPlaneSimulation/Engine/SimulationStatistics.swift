/// What a run did: how much traffic, which faults, how many operations of each outcome.
/// Tests use it to show that the faults they rely on actually happened.
public struct SimulationStatistics: Sendable, Hashable {
    public var events = 0
    public var messagesSent = 0
    public var messagesDropped = 0
    public var simulatedMilliseconds: UInt64 = 0
    /// Faults the nemesis applied, by name (`crash`, `restart`, a `PartitionKind`, `slow_disk`, …).
    public var faults: [String: Int] = [:]
    /// Meta commands applied, by name (`failover`, `remove_replica`, `add_learner`, …).
    public var commands: [String: Int] = [:]
    /// Crashes of a new primary, or of one of its backups, before that primary first served.
    public var crashesDuringReconciliation = 0
    /// Epochs in which some primary served at least once.
    public var servedEpochs = 0
    public var operations = 0
    public var acknowledged = 0
    public var unknownOutcome = 0
    /// Messages sent, by kind (`prepare`, `prepare_gap`, `heartbeat`, …).
    public var messagesByKind: [String: Int] = [:]
    /// `reconcile` or `reconcileReply` messages that named a log end (> 0) with an unknown
    /// epoch (e0): the replica no longer had that record in its log.
    public var reconcilesWithUnknownEpoch = 0
    /// Keys on which a write's condition failure was answered from uncommitted state.
    public var keysAnsweredFromUncommittedState: Set<String> = []
    /// Keys the linearizability checker could not decide within its budget.
    public var undecidedKeys: [String] = []

    public init() {}

    public func count(ofFault name: String) -> Int { faults[name, default: 0] }
    public func count(ofCommand name: String) -> Int { commands[name, default: 0] }

    public var summary: String {
        let faultList = faults.keys.sorted().map { "\($0)=\(faults[$0]!)" }.joined(separator: " ")
        let commandList = commands.keys.sorted().map { "\($0)=\(commands[$0]!)" }.joined(separator: " ")
        return "\(simulatedMilliseconds) ms simulated, \(events) events, \(messagesSent) messages (\(messagesDropped) dropped); "
            + "ops \(operations) (acked \(acknowledged), unknown \(unknownOutcome)); faults: \(faultList); "
            + "commands: \(commandList); crashes during reconciliation: \(crashesDuringReconciliation)"
    }
}
