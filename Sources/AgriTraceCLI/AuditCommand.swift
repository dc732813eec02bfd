import ArgumentParser
import Foundation
import LedgerStore
import Localization
import Traceability

/// `agritrace audit --ledger DB [--vkey FILE]... --out report.html`: the inspector's report.
struct AuditCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "audit",
        abstract: tr("Write a self-contained HTML audit report of a ledger."),
        discussion: tr("Runs the full ledger verification (pinned to the --vkey keys when given) and writes one HTML file with inline CSS and SVG that opens offline: checks and the first bad entry, lots and grades over time, grades per origin code and farm, lots needing review, corrections, models and policies with the lots they graded, and the checkpoint history. A ledger alone cannot reveal a rollback; --checkpoint / --witness-state / --province check it against checkpoints kept elsewhere, as `ledger verify` does. The report is in the chosen language (--lang).")
            + "\n\n" + ExitStatus.help(success: tr("ledger intact"), verificationFailed: tr("verification failed (the report is written either way)"))
            + "\n\n" + tr("Example:") + """

              agritrace audit --ledger coop.db --vkey coop.vkey --out report.html
              agritrace audit --ledger coop.db --vkey coop.vkey --province http://province.example:8090 --cooperative HTX-A --out report.html
            """) }

    @Option(name: .long, help: ArgumentHelp(tr("The ledger database.")))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's verifier key file (repeatable).")))
    var vkey: [String] = []

    @Option(name: .long, help: ArgumentHelp(tr("Output HTML file.")))
    var out: String

    @Option(help: ArgumentHelp(tr("A signed checkpoint note, .tlog-proof or label .proof saved earlier, or its http(s) address (a province's evidence, say); the ledger must still extend it (repeatable).")))
    var checkpoint: [String] = []

    @Option(name: .customLong("witness-state"), help: ArgumentHelp(tr("A witness's state file; the ledger must extend it (repeatable).")))
    var witnessState: [String] = []

    @OptionGroup var province: ProvinceCheckpointOptions

    func run() throws {
        let keys = try vkey.map { try KeyFiles.verifier($0) }
        let fromProvince = try province.checkpoints()
        let outside = try checkpoint.map { try LedgerCommand.Verify.loadCheckpoint($0) } + fromProvince
            + witnessState.map { try LedgerCommand.Verify.loadCheckpoint($0, tr("witness state file", context: "file kind")) }
        let database = try TraceabilitySupport.openLedger(ledger)
        try province.requireSameLog(fromProvince, ledgerOrigin: database.origin)
        let report: VerificationReport
        do {
            report = try database.verify(trustedKeys: keys, outside: outside, statements: LotStatements.Rules())
        } catch {
            throw CommandFailure(.verificationFailed, tr("cannot verify {file}: {reason}", ["file": .text(ledger), "reason": .text(render(error))]))
        }
        // A tampered ledger may hold entries that no longer decode; the report still shows
        // every entry that does, so the inspector sees the rest of the picture.
        let snapshot = LedgerSnapshot(readingLeniently: database)
        let audit = AuditReport(ledgerName: URL(fileURLWithPath: ledger).lastPathComponent,
                                generatedAt: TraceabilitySupport.nowTimestamp(), ledger: snapshot,
                                verification: VerificationOutcome(report, TraceabilitySupport.presentation))
        try TraceabilitySupport.write(Array(AuditReportRenderer.html(audit, TraceabilitySupport.presentation).utf8), to: out,
                                      inputs: [ledger] + vkey + checkpoint + witnessState)
        var verdict = switch report.verdict {
        case .intact: tr("ledger intact")
        case .notSignedByGivenKeys: LedgerCommand.Verify.notSignedLine(report)
        case .tampered:
            tr("ledger FAILED verification: {reason}", ["reason": .text(report.firstFailure.map { $0.rendered(TraceabilitySupport.presentation) } ?? "")])
        }
        // Never let a check that did not run read as a pass.
        for check in audit.verification.skipped {
            verdict += "; " + tr("{check}: skipped ({reason})", ["check": .text(check.name), "reason": .text(check.detail)])
        }
        FileHandleOutput.standardOutput.write(tr("wrote {file}: {entries}, {lots}; {verdict}", [
            "file": .text(out), "entries": .message(Message("{n} entry", plural: "{n} entries", count: snapshot.entries.count)),
            "lots": .message(Message("{n} lot", plural: "{n} lots", count: audit.lots.count)), "verdict": .text(verdict)]) + "\n")
        if !report.isIntact { throw ExitStatus.verificationFailed }
    }
}
