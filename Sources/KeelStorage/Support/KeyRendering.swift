/// A key as it appears in error messages: quoted when it is printable ASCII, hex
/// otherwise, cut to 64 bytes.
func renderKey(_ key: [UInt8]) -> String {
    let shown = key.prefix(64)
    let suffix = key.count > shown.count ? "…(\(key.count) bytes)" : ""
    if shown.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 }) {
        return "\"" + String(decoding: shown, as: UTF8.self) + "\"" + suffix
    }
    return "0x" + shown.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + suffix
}
