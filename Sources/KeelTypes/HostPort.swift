/// A network endpoint given on the command line as `HOST:PORT` (`[v6addr]:PORT` for IPv6).
///
/// Parsing is strict: a missing or out-of-range port, an empty host or stray characters are
/// rejected with a message that names the offending text, so a typo in `--peers` fails at
/// startup instead of as a connection error minutes later.
public struct HostPort: Hashable, Sendable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPV6]:PORT`.
    public init(parsing text: some StringProtocol) throws(HostPortError) {
        let text = String(text).trimmingWhitespace()
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw HostPortError(text: text, reason: "expected [IPV6]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw HostPortError(text: text, reason: "expected HOST:PORT")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !hostPart.contains(where: { $0 == " " || $0 == "," || $0 == "=" }) else {
            throw HostPortError(text: text, reason: "the host is empty or contains a space, ',' or '='")
        }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            throw HostPortError(text: text, reason: "the port must be a number from 1 to 65535")
        }
        self.init(host: String(hostPart), port: port)
    }

    /// Parses a comma-separated list `HOST:PORT,HOST:PORT,…` (at least one entry).
    public static func parseList(_ text: String) throws(HostPortError) -> [HostPort] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        guard !parts.isEmpty else { throw HostPortError(text: text, reason: "expected at least one HOST:PORT") }
        var result: [HostPort] = []
        for part in parts { result.append(try HostPort(parsing: part)) }
        return result
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A malformed `HOST:PORT`; the message names the text and what was expected.
public struct HostPortError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }
    public var description: String { "invalid address '\(text)': \(reason)" }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
