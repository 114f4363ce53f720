import KeelTypes

/// The fixed cast of a run: data node names by index, and client count.
struct Topology: Sendable {
    let nodeIDs: [DataNodeID]
    let clientCount: Int
    private let indexByID: [DataNodeID: Int]

    init(dataNodes: Int, clients: Int) {
        nodeIDs = (1...dataNodes).map { DataNodeID("n\($0)") }
        clientCount = clients
        indexByID = Dictionary(uniqueKeysWithValues: nodeIDs.enumerated().map { ($0.element, $0.offset) })
    }

    func index(of node: DataNodeID) -> Int? { indexByID[node] }

    func endpoint(of node: DataNodeID) -> Endpoint? { indexByID[node].map(Endpoint.node) }

    var clientEndpoints: [Endpoint] { (0..<clientCount).map(Endpoint.client) }
}
