/// What every simulated client is configured with (from the run's options).
struct ClientSettings: Sendable {
    var keys: [String]
    var thinkTimeMicroseconds: ClosedRange<UInt64>
    var attemptTimeout: Duration
    var maxAttempts: Int
    var retryBackoffMicroseconds: ClosedRange<UInt64>
}
