/// Everything on the simulator's agenda.
enum SimEvent: Sendable {
    case deliver(Envelope)
    /// A node's timer, for the incarnation that set it.
    case node(Int, incarnation: UInt64, NodeTimer)
    case client(Int, ClientTimer)
    case metaTick
    /// The nemesis picks its next fault.
    case nemesis
    case fault(Fault)
    /// A scripted fault, resolved to its target when it fires.
    case scripted(ScriptedFault.Action)
    /// Clients stop, every fault heals, crashed nodes restart.
    case endFaultPhase
    /// The final checks run.
    case finish
}

/// One fault the nemesis applies (or undoes).
enum Fault: Sendable {
    /// `downtime` nil: the nemesis draws one.
    case crash(node: Int, duringReconciliation: Bool, downtime: Duration?)
    case restart(node: Int)
    case partition(PartitionKind, links: Set<DataPlaneNetwork.Link>, lasting: Duration)
    case heal(partition: Int)
    case slowDisk(node: Int, lasting: Duration)
    case diskRecovers(node: Int)
    /// A node's clock (nil: the meta leader's) runs at a new rate.
    case clockDrift(node: Int?, ppm: Int64)
    case metaLeaderChange
}
