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
            corrections, models and policies with the lots they graded, and the checkpoint history. \
            A ledger alone cannot reveal a rollback; --checkpoint / --witness-state check it against \
            checkpoints kept elsewhere, as `ledger verify` does.

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

    @Option(help: "A signed checkpoint note, .tlog-proof or label .proof saved earlier; the ledger must still extend it (repeatable).")
    var checkpoint: [String] = []

    @Option(name: .customLong("witness-state"), help: "A witness's state file; the ledger must extend it (repeatable).")
    var witnessState: [String] = []

    func run() throws {
        let keys = try vkey.map { try KeyFiles.verifier($0) }
        let outside = try checkpoint.map { try LedgerCommand.Verify.loadCheckpoint($0) }
            + witnessState.map { try LedgerCommand.Verify.loadCheckpoint($0, "witness state file") }
        let database = try TraceabilitySupport.openLedger(ledger)
        let report: VerificationReport
        do {
            report = try database.verify(trustedKeys: keys, outside: outside)
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
