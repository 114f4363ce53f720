import KeelTypes
import Testing

@Suite struct HostPortTests {
    @Test func parsesHostPortAndIPv6() throws {
        #expect(try HostPort(parsing: "127.0.0.1:7001") == HostPort(host: "127.0.0.1", port: 7001))
        #expect(try HostPort(parsing: " meta-1.keel:80 ") == HostPort(host: "meta-1.keel", port: 80))
        #expect(try HostPort(parsing: "[::1]:9000") == HostPort(host: "::1", port: 9000))
        #expect(HostPort(host: "::1", port: 9000).description == "[::1]:9000")
    }

    @Test(arguments: ["", "host", "host:", ":80", "host:0", "host:65536", "host:http", "[::1]9000", "a b:1"])
    func rejectsMalformedAddresses(_ text: String) {
        #expect(throws: HostPortError.self) { try HostPort(parsing: text) }
    }

    @Test func parsesLists() throws {
        let list = try HostPort.parseList("a:1,b:2,")
        #expect(list == [HostPort(host: "a", port: 1), HostPort(host: "b", port: 2)])
        #expect(throws: HostPortError.self) { try HostPort.parseList(",") }
    }
}
