import Foundation

/// The meta group's log entries and snapshots are JSON with sorted keys: deterministic
/// bytes on every member, readable in a hex dump during an incident, and evolvable by
/// adding optional fields. The map is small (nodes and shards, not data), so the size and
/// speed of JSON do not matter here.
public enum ClusterCoding {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Encoding plain value types with string keys cannot fail.
        Array(try! encoder().encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(ClusterError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw ClusterError(.invalidSettings, "undecodable \(T.self): \(error)")
        }
    }
}

extension ClusterMap {
    /// The snapshot image of the map.
    public func encoded() -> [UInt8] { ClusterCoding.encode(self) }
    public init(decoding bytes: [UInt8]) throws(ClusterError) { self = try ClusterCoding.decode(ClusterMap.self, from: bytes) }
}

extension MetaCommand {
    /// The command as a Raft log entry.
    public func encoded() -> [UInt8] { ClusterCoding.encode(self) }
    public init(decoding bytes: [UInt8]) throws(ClusterError) { self = try ClusterCoding.decode(MetaCommand.self, from: bytes) }
}
