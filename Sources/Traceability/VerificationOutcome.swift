/// The result of the ledger's full verification, as the audit report shows it.
public struct VerificationOutcome: Sendable {
    public struct Check: Sendable {
        public let name: String
        public let passed: Bool
        public let detail: String

        public init(name: String, passed: Bool, detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    public let checks: [Check]
    /// The `seq` of the first entry that failed a check, when one did.
    public let firstBadEntry: Int?
    /// The failure in words, when verification failed.
    public let failure: String?

    public init(checks: [Check], firstBadEntry: Int?, failure: String?) {
        self.checks = checks
        self.firstBadEntry = firstBadEntry
        self.failure = failure
    }

    public var intact: Bool { failure == nil && checks.allSatisfy(\.passed) }
}
