/// FoundationDB-style BUGGIFY: code sites that, in simulation only, take a rare path on
/// purpose (a long pause, a crash in the middle of a write) so that rare paths are
/// exercised in every batch of seeds.
///
/// Each named site is either active or inactive for a whole run (decided from the run's
/// seed and the site's name, so the decision does not depend on call order); an active
/// site fires on a fraction of its evaluations. A run with BUGGIFY disabled never fires.
public struct Buggify: Sendable {
    /// How likely sites are to be active, and active sites to fire.
    public struct Settings: Sendable {
        public var enabled: Bool
        /// Probability that a given site is active for a run.
        public var siteActivationProbability: Double
        /// Probability that an active site fires when evaluated.
        public var fireProbability: Double

        public init(enabled: Bool = true, siteActivationProbability: Double = 0.25, fireProbability: Double = 0.05) {
            self.enabled = enabled
            self.siteActivationProbability = siteActivationProbability
            self.fireProbability = fireProbability
        }

        public static let disabled = Settings(enabled: false)
    }

    public let settings: Settings
    private let seedRandom: SimRandom
    private var random: SimRandom
    /// Sites evaluated so far, with their activation (a small sorted list: few sites exist).
    private var sites: [(site: UInt64, active: Bool)] = []
    /// How many times any site fired in this run, for reports.
    public private(set) var firings: Int = 0

    public init(settings: Settings, random: SimRandom) {
        self.settings = settings
        self.seedRandom = random
        self.random = random.derive(stream: 0xB066)
    }

    /// Whether the site named `site` takes its rare path now.
    public mutating func callAsFunction(_ site: StaticString) -> Bool {
        guard settings.enabled else { return false }
        let key = SimTrace.stableHash(site.description)
        let active: Bool
        if let known = sites.first(where: { $0.site == key }) {
            active = known.active
        } else {
            var activation = seedRandom.derive(stream: key)
            active = activation.chance(settings.siteActivationProbability)
            sites.append((key, active))
        }
        guard active, random.chance(settings.fireProbability) else { return false }
        firings += 1
        return true
    }
}
