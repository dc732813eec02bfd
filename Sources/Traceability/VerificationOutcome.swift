import LedgerStore

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

extension VerificationOutcome {
    /// The ledger's own verification report, one row per check with its first failure.
    public init(_ report: VerificationReport) {
        var checks = report.checkResults.map { result in
            let failure = report.failures.first { $0.check == result.check }
            return Check(name: result.check.rawValue, passed: result.passed,
                         detail: failure?.description ?? "")
        }
        checks.append(Check(name: "keys pinned by the inspector", passed: true,
                            detail: report.keysPinned ? "entry 0 and checkpoints checked against the given --vkey keys"
                                                      : "no --vkey given: the ledger's own first key is trusted (trust on first use)"))
        self.init(checks: checks, firstBadEntry: report.firstBadEntry,
                  failure: report.firstFailure.map { "\($0)" + (report.failures.count > 1 ? " (and \(report.failures.count - 1) more problems)" : "") })
    }
}
