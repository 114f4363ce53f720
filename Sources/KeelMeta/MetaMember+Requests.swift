import KeelCluster
import KeelMetaClient
import KeelRaft
import KeelRaftStorage
import KeelRaftWire
import KeelTransport
import KeelTypes
import KeelWire

extension MetaMember {
    /// Handles one inbound transport event: Raft traffic or a client request.
    func handle(_ event: InboundEvent, _ state: inout MetaState, storage: RaftDurableStorage) async throws {
        switch event {
        case .message(let message):
            guard message.envelope.type == RaftBatch.wireType else { return }
            do {
                let batch = try message.envelope.decode(as: RaftBatch.self)
                guard batch.group == 0 else { return }
                for raftMessage in batch.messages where raftMessage.to == RaftNodeID(configuration.id) {
                    try await carryOut(state.step(.message(raftMessage)), &state, storage: storage)
                }
            } catch let error as WireError {
                configuration.logger.warning("undecodable raft batch", metadata: ["peer": "\(message.peer)", "error": "\(error)"])
            }
        case .request(let request):
            guard request.envelope.type == MetaRequestFrame.wireType else {
                request.fail(code: "unknown_message", message: "a meta member serves meta requests only")
                return
            }
            do {
                let frame = try request.envelope.decode(as: MetaRequestFrame.self)
                for input in serve(frame.request, request, &state) {
                    try await carryOut(state.step(input), &state, storage: storage)
                }
            } catch let error as WireError {
                request.fail(code: "malformed", message: "\(error)")
            }
        }
    }

    /// Answers a request at once, or returns the Raft inputs whose outcome will answer it.
    private func serve(_ request: MetaRequest, _ inbound: InboundRequest, _ state: inout MetaState) -> [RaftInput] {
        func requireLeader() -> Bool {
            guard state.isLeader, state.supervisor != nil else {
                inbound.respond(MetaResponseFrame(.error(.notLeader(state.leaderAddress))))
                return false
            }
            return true
        }
        switch request {
        case .watch(let fromVersion, let waitMs):
            state.addWatch(fromVersion: fromVersion, deadline: now.advanced(by: .milliseconds(Int64(min(waitMs, 60_000)))), request: inbound)
            return []
        case .getMap(let linearizable):
            guard linearizable else {
                inbound.respond(MetaResponseFrame(.map(state.map)))
                return []
            }
            guard requireLeader() else { return [] }
            return [state.confirmedRead(.map(inbound), mode: .readIndex)]
        case .members:
            inbound.respond(MetaResponseFrame(.members(state.members())))
            return []
        case .heartbeat(let heartbeat):
            guard requireLeader(), var supervisor = state.supervisor else { return [] }
            let reply = supervisor.heartbeat(heartbeat, now: now, map: state.map)
            state.supervisor = supervisor
            // Grant leases only once leadership is confirmed (docs/cluster.md).
            return [state.confirmedRead(.heartbeat(inbound, reply), mode: .lease)]
        case .register(let id, let address, let zone):
            guard requireLeader() else { return [] }
            return [state.propose(.registerNode(id: id, address: address, zone: zone), answering: inbound)]
        case .propose(let command):
            guard requireLeader() else { return [] }
            return [state.propose(command, answering: inbound)]
        case .replicaUnreachable(let shard, let epoch, let node):
            guard requireLeader(), var supervisor = state.supervisor else { return [] }
            configuration.logger.info("a primary reports a replica unreachable", metadata: ["shard.id": "\(shard)", "node": "\(node)", "shard.epoch": "\(epoch)"])
            let command = supervisor.replicaUnreachable(shard: shard, epoch: epoch, node: node, now: now)
            state.supervisor = supervisor
            return [state.propose(command, answering: inbound)]
        case .primaryRestarted(let shard, let epoch, let node):
            guard requireLeader() else { return [] }
            return [state.propose(.renewEpoch(shard: shard, expectedEpoch: epoch, primary: node), answering: inbound)]
        case .learnerCaughtUp(let shard, let epoch, let node):
            guard requireLeader() else { return [] }
            return [state.propose(.promoteLearner(shard: shard, expectedEpoch: epoch, node: node), answering: inbound)]
        case .addMember(let id, let address):
            guard requireLeader() else { return [] }
            let change = ConfigChange(.addLearner, node: RaftNodeID(id), context: Array(address.description.utf8))
            return [state.proposeConfigChange(change, answering: inbound)]
        case .removeMember(let id):
            guard requireLeader() else { return [] }
            return [state.proposeConfigChange(ConfigChange(.remove, node: RaftNodeID(id)), answering: inbound)]
        }
    }
}
