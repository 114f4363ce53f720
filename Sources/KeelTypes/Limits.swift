/// Limits on user data that every layer enforces the same way.
///
/// They are documented in docs/API.md; changing one is a user-visible change.
public enum KeelLimits {
    /// Keys are UTF-8 and 1 to 1024 bytes long.
    public static let maxKeyBytes = 1024
    /// Default maximum value size (16 MiB); the router's `--max-value-bytes` changes it.
    public static let defaultMaxValueBytes = 16 << 20
}
