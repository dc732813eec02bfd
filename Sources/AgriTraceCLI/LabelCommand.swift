import ArgumentParser
import Foundation
import LedgerStore
import Traceability

/// `agritrace label LOT --ledger DB --key KEY --out DIR`: the printable label and the buyer's
/// proof files for a lot's latest grading.
struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Write a lot's printable QR label and its buyer proof file.",
        discussion: """
            Writes into DIR: <lot>.png (QR code of the lot's GS1 Digital Link URI, or \
            urn:agritrace:lot:<lot> without a GTIN, beside the lot code, origin code, crop, harvest \
            date and grade), <lot>.proof (C2SP tlog-proof@v1 of the latest grading entry) and \
            <lot>.lot.proof (the same for the lot entry, which names the origin). The proofs use \
            the latest checkpoint covering the grading; when there is none, one is signed with KEY.

            \(ExitStatus.help(success: "label and proofs written", needsAttention: "the lot is unknown or not graded yet"))

            Example:
              agritrace label DT-LV-261103-01 --ledger coop.db --key ~/.config/agritrace/coop.key --out labels/
            """)

    @Argument(help: "The lot code.")
    var lot: String

    @Option(name: .long, help: "The ledger database.")
    var ledger: String

    @Option(name: .long, help: "The cooperative's signing key, used when no checkpoint covers the grading yet.")
    var key: String?

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Flag(name: .long, help: "Replace this lot's label files from an earlier run instead of refusing.")
    var replace = false

    func run() throws {
        let database = try TraceabilitySupport.openLedger(ledger, readOnly: key == nil)
        let signer = try key.map { try KeyFiles.signer($0, for: database) }
        let package: LabelPackage
        do {
            package = try LabelPackage.make(lotCode: lot, ledger: database, signer: signer)
        } catch let error as LabelError {
            throw error
        } catch {
            throw CommandFailure(ExitStatus(for: error), "cannot make the label from \(ledger): \(error)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.internalFailure, "cannot create \(out): \(error.localizedDescription)")
        }
        let base = URL(fileURLWithPath: out).appendingPathComponent(package.baseFileName).path
        let files = [(base + ".png", package.png), (base + ".proof", Array(package.gradingProof.utf8)),
                     (base + ".lot.proof", Array(package.lotProof.utf8))]
        // File names are one-to-one with lot codes, so an existing file is this lot's earlier label:
        // replacing it must be asked for, never silent. Checked before writing anything.
        if !replace, let existing = files.first(where: { FileManager.default.fileExists(atPath: $0.0) }) {
            throw CommandFailure(.usageError, "\(existing.0) already exists (an earlier label of lot \(lot)); pass --replace to overwrite it")
        }
        for (path, bytes) in files { try TraceabilitySupport.write(bytes, to: path, replacing: replace) }

        var report = """
            Label for lot \(package.lotCode): grade \(package.content.grade), QR \(package.content.uri)
              \(base).png
              \(base).proof      (grading, entry #\(package.gradingSeq))
              \(base).lot.proof  (lot and origin, entry #\(package.lotSeq))
            Proofs are against checkpoint \(package.checkpoint.origin) at tree size \(package.checkpoint.size)\
            \(package.signedNewCheckpoint ? " (signed now)" : "").

            """
        for note in package.label.notes { report += "Note: \(note)\n" }
        for correction in package.corrections {
            report += "Warning: entry #\(correction.record.corrects) was corrected by entry #\(correction.seq) "
            report += "(\(correction.record.reason): \(correction.record.changesText)); the label and proofs show the "
            report += "entries as first signed, `agritrace trace \(package.lotCode)` shows the correction.\n"
        }
        FileHandleOutput.standardOutput.write(report)
    }
}
