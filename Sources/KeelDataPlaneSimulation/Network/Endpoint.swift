/// Who sends and receives messages in the simulation: the meta leader, data nodes and
/// clients, by index.
public enum Endpoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    case meta
    case node(Int)
    case client(Int)

    public var description: String {
        switch self {
        case .meta: "meta"
        case .node(let index): "n\(index + 1)"
        case .client(let index): "c\(index + 1)"
        }
    }
}
