import ArgumentParser
import Foundation
import LedgerStore
import Traceability

/// `agritrace audit --ledger DB [--vkey FILE]... --out report.html`: the inspector's report.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Write a self-contained HTML audit report of a ledger.",
        discussion: """
            Runs the full ledger verification (pinned to the --vkey keys when given) and writes one \
            HTML file with inline CSS and SVG that opens offline: checks and the first bad entry, \
            lots and grades over time, grades per origin code and farm, lots needing review, \
            corrections, models and policies with the lots they graded, and the checkpoint history.

            \(ExitStatus.help(success: "ledger intact", verificationFailed: "verification failed (the report is written either way)"))

            Example:
              agritrace audit --ledger coop.db --vkey coop.vkey --out report.html
            """)

    @Option(name: .long, help: "The ledger database.")
    var ledger: String

    @Option(name: .long, help: "The cooperative's verifier key file (repeatable).")
    var vkey: [String] = []

    @Option(name: .long, help: "Output HTML file.")
    var out: String

    func run() throws {
        let keys = try vkey.map { try KeyFiles.verifier($0) }
        let database = try TraceabilitySupport.openLedger(ledger)
        let report: VerificationReport
        do {
            report = try database.verify(trustedKeys: keys)
        } catch {
            throw CommandFailure(.verificationFailed, "cannot verify \(ledger): \(error)")
        }
        // A tampered ledger may hold entries that no longer decode; the report still shows
        // every entry that does, so the inspector sees the rest of the picture.
        let snapshot = LedgerSnapshot(readingLeniently: database)
        let audit = AuditReport(ledgerName: URL(fileURLWithPath: ledger).lastPathComponent,
                                generatedAt: TraceabilitySupport.nowTimestamp(), ledger: snapshot,
                                verification: VerificationOutcome(report))
        try TraceabilitySupport.write(Array(AuditReportRenderer.html(audit).utf8), to: out)
        var verdict = report.isIntact ? "ledger intact" : "ledger FAILED verification: \(report.firstFailure.map { "\($0)" } ?? "")"
        // Never let a check that did not run read as a pass.
        for check in audit.verification.skipped { verdict += "; \(check.name): skipped (\(check.detail))" }
        FileHandleOutput.standardOutput.write("wrote \(out): \(snapshot.entries.count) entries, \(audit.lots.count) lots; \(verdict)\n")
        if !report.isIntact { throw ExitStatus.verificationFailed }
    }
}
