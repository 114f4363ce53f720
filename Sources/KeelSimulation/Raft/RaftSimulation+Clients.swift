import KeelRaft

/// The clients: each issues one operation at a time, sends attempts to the node it
/// believes leads (reads sometimes to any node), retries elsewhere on refusal or timeout,
/// and records every invocation and answer.
extension RaftSimulation {
    mutating func clientWake(_ number: Int) {
        guard !finished, clients[number].current == nil else { return }
        let (key, input) = clients[number].nextOperation(keys: options.clients.keys, random: &random)
        let handle = recorder.invoke(client: number, key: key, input: input)
        clients[number].current = SimClient.Operation(
            handle: handle, sequence: clients[number].sequence, key: key, input: input,
            attemptsLeft: options.clients.maxAttempts)
        sendAttempt(number)
    }

    private mutating func sendAttempt(_ number: Int) {
        guard var operation = clients[number].current else { return }
        operation.attempt = nextAttempt
        nextAttempt += 1
        operation.attemptsLeft -= 1
        clients[number].current = operation
        var target = clients[number].leaderGuess
        if operation.input == .get && random.chance(options.clients.followerReadProbability) {
            target = nodes[Int(random.below(UInt64(nodes.count)))].id
        }
        let request = ClientRequest(
            client: number, attempt: operation.attempt, sequence: operation.sequence, key: operation.key, input: operation.input)
        network.send(.request(request), from: .client(number), to: .node(target), at: now)
        schedule(.clientTimeout(client: number, attempt: operation.attempt), at: now + options.clients.attemptTimeoutNanoseconds)
    }

    mutating func clientReceive(_ number: Int, _ reply: ClientReply) {
        guard let operation = clients[number].current, operation.attempt == reply.attempt else { return }
        switch reply.result {
        case .done(let output):
            recorder.complete(operation.handle, output)
            clients[number].observe(output, key: operation.key, input: operation.input)
            clients[number].completed += 1
            finishOperation(number)
        case .refused(let leader):
            clients[number].leaderGuess = leader ?? nextGuess(after: clients[number].leaderGuess)
            retryOrGiveUp(number)
        }
    }

    mutating func clientTimeout(_ number: Int, attempt: UInt64) {
        guard let operation = clients[number].current, operation.attempt == attempt else { return }
        clients[number].leaderGuess = nextGuess(after: clients[number].leaderGuess)
        retryOrGiveUp(number)
    }

    private mutating func retryOrGiveUp(_ number: Int) {
        guard let operation = clients[number].current else { return }
        if operation.attemptsLeft > 0 && !finished {
            sendAttempt(number)
        } else {
            // Outcome unknown: a write may still take effect later.
            recorder.abandon(operation.handle)
            clients[number].abandoned += 1
            if operation.input != .get { clients[number].abandonedWrites.append((operation.handle, operation.sequence)) }
            finishOperation(number)
        }
    }

    private mutating func finishOperation(_ number: Int) {
        clients[number].current = nil
        schedule(.clientWake(client: number), at: now + random.uint64(in: options.clients.thinkNanoseconds))
    }

    private func nextGuess(after node: RaftNodeID) -> RaftNodeID {
        RaftNodeID(node.rawValue % UInt64(nodes.count) + 1)
    }
}
