import LedgerStore
import Localization

/// The result of the ledger's full verification, as the audit report shows it.
public struct VerificationOutcome: Sendable {
    public struct Check: Sendable {
        /// `skipped` and `none` are never shown as a pass: the check did not run, or had nothing to check.
        public enum Status: String, Sendable {
            case pass, fail, skipped, none
        }

        public let name: String
        public let status: Status
        public let detail: String

        public init(name: String, status: Status, detail: String) {
            self.name = name
            self.status = status
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

    public var intact: Bool { failure == nil && !checks.contains { $0.status == .fail } }
    /// Checks that did not run, which an intact verdict does not cover.
    public var skipped: [Check] { checks.filter { $0.status == .skipped } }
}

extension VerificationOutcome {
    /// The ledger's own verification report, one row per check with its first failure. A check
    /// with nothing to check says `none`; the rollback check without an outside checkpoint and key
    /// pinning without `--vkey` say `skipped`, with why.
    public init(_ report: VerificationReport, _ p: Presentation = .english) {
        var checks = report.checkStatuses.map { item -> Check in
            switch item.status {
            case .failed:
                let failure = report.failures.first { $0.check == item.check }
                return Check(name: p(item.check.title), status: .fail, detail: failure?.rendered(p) ?? "")
            case .notChecked(let reason):
                return Check(name: p(item.check.title), status: item.check == .outsideCheckpoints ? .skipped : .none,
                             detail: p(VerificationReport.Check.notCheckedReason(reason)))
            case .passed:
                return Check(name: p(item.check.title), status: .pass, detail: "")
            }
        }
        checks.append(report.keysPinned
            ? Check(name: p(Message("keys pinned by the inspector")), status: .pass,
                    detail: p(Message("entry 0 and checkpoints checked against the given --vkey keys")))
            : Check(name: p(Message("keys pinned by the inspector")), status: .skipped,
                    detail: p(Message("no --vkey given: the ledger's own first key is trusted (trust on first use)"))))
        self.init(checks: checks, firstBadEntry: report.firstBadEntry,
                  failure: report.firstFailure.map {
                      $0.rendered(p) + (report.failures.count > 1
                          ? " (" + p(Message("and {n} more problem", plural: "and {n} more problems", count: report.failures.count - 1)) + ")" : "")
                  })
    }
}
