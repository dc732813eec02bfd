import ArgumentParser
import Foundation
import LedgerStore
import Localization
import Traceability

/// `agritrace label LOT --ledger DB --key KEY --out DIR`: the printable label and the buyer's
/// proof bundle for a lot's current state.
struct LabelCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "label",
        abstract: tr("Write a lot's printable QR label and its buyer proof bundle."),
        discussion: tr("Writes into DIR: <name>.png, a 300 dpi label for 50x30 or 100x60 mm stock (--size): QR code of the lot's GS1 Digital Link URI, or urn:agritrace:lot:<lot> without a GTIN (with --base-url URL the lot's page on the cooperative's `agritrace serve`, URL/01/<GTIN>/10/<lot> or URL/lot/<lot>), beside the cooperative, farm, crop, origin code, lot code, harvest date and the lot's grade (latest grading, corrections applied, or HELD FOR REVIEW while the grading policy's hold is not released by a correction of the lot grade), in Noto Sans with full Vietnamese; text too long for the label is shrunk, wrapped, and only then shortened with a note. And <name>.proof, one bundle for `agritrace verify-label`: the lot, its origin registration, every grading and correction, proven under one checkpoint, with a statement signed by KEY that these are all of them. The latest checkpoint is used when it covers the lot's newest entry and is signed by KEY, else KEY signs one. <name> is the lot code with every byte outside A-Z 0-9 - written as _XX (hex): A/B -> A_2FB. Existing files are replaced only with --replace.")
            + "\n\n" + ExitStatus.help(success: tr("label and proof bundle written"),
                                       needsAttention: tr("the lot is unknown, not graded yet or its origin is not registered"), readsLedger: true)
            + "\n\n" + tr("Example:") + """

              agritrace label DT-LV-261103-01 --ledger coop.db --key ~/.config/agritrace/coop.key --out labels/ --size 50x30
            """) }

    @Argument(help: ArgumentHelp(tr("The lot code.")))
    var lot: String

    @Option(name: .long, help: ArgumentHelp(tr("The ledger database.")))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's signing key: signs the bundle's statement, and a checkpoint when needed.")))
    var key: String

    @Option(name: .long, help: ArgumentHelp(tr("Output folder (created if missing).")))
    var out: String

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's `agritrace serve` address (https://trace.coop.example): the QR code opens the lot's page there.")))
    var baseURL: String?

    @Option(name: .long, help: ArgumentHelp(tr("Label stock in millimetres: 50x30 or 100x60 (printed at 300 dpi).")))
    var size: LabelStock = .large

    @Flag(name: .long, help: ArgumentHelp(tr("Replace this lot's label files from an earlier run instead of refusing.")))
    var replace = false

    func validate() throws {
        try TraceabilitySupport.validateLotArgument(lot)
        if let baseURL {
            do { _ = try PublicBaseURL.validated(baseURL) } catch { throw ValidationError("--base-url: " + Localizer.current.render(error.message)) }
        }
    }

    func run() throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
            throw CommandFailure(.usageError, tr("--out {path} is a file, not a folder; give a folder for the label files", ["path": .text(out)]))
        }
        // File names are one-to-one with lot codes, so an existing file is this lot's earlier label:
        // replacing it must be asked for, never silent. Checked before anything is signed, so a
        // refused run leaves the ledger as it was (no new checkpoint).
        let base = URL(fileURLWithPath: out).appendingPathComponent(LabelFileName.encode(lot)).path
        if !replace, let existing = [base + ".png", base + ".proof"].first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw CommandFailure(.usageError, tr("{file} already exists (an earlier label of lot {lot}); pass --replace to overwrite it",
                                                 ["file": .text(existing), "lot": .text(lot)]))
        }
        let database = try TraceabilitySupport.openVerifiedLedger(ledger, readOnly: false)
        let signer = try KeyFiles.signer(key, for: database)
        let package: LabelPackage
        do {
            package = try LabelPackage.make(lotCode: lot, ledger: database, signer: signer, baseURL: baseURL,
                                            stock: size, words: LabelWords(TraceabilitySupport.presentation))
        } catch let error as LabelError {
            throw error
        } catch {
            throw CommandFailure(ExitStatus(for: error), tr("cannot make the label from {file}: {reason}", ["file": .text(ledger), "reason": .text(render(error))]))
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.internalFailure, tr("cannot create {path}: {reason}", ["path": .text(out), "reason": .message(.fileError(error))]))
        }
        let files = [(base + ".png", package.png), (base + ".proof", Array(package.bundle.utf8))]
        // A label is its picture and its proof together: when one cannot be written (a full disk),
        // the other, new, file goes too, so no QR points at a proof that is not there.
        var written: [String] = []
        do {
            for (path, bytes) in files {
                try TraceabilitySupport.write(bytes, to: path, replacing: replace, inputs: [ledger, key])
                written.append(path)
            }
        } catch {
            if !replace { for path in written { unlink(path) } }
            throw error
        }

        let state = package.state
        let p = TraceabilitySupport.presentation
        let seqs = { (items: [Int]) in items.isEmpty ? tr("none", context: "no entries") : items.map { "#\($0)" }.joined(separator: " ") }
        let arguments: [String: MessageArgument] = ["lot": .text(package.lotCode), "size": .text(size.rawValue),
                                                    "grade": .text(package.content.grade.map(p.grade) ?? tr("not graded")),
                                                    "uri": .text(package.content.qrPayload)]
        var report = (state.isHeld ? tr("Label for lot {lot} ({size} mm): HELD FOR REVIEW, QR {uri}", arguments)
                                   : tr("Label for lot {lot} ({size} mm): grade {grade}, QR {uri}", arguments)) + "\n"
        report += "  \(base).png\n"
        report += "  \(base).proof  (" + tr("lot #{lot}, origin #{origin}, gradings {gradings}, corrections {corrections}", [
            "lot": .text(String(state.lotEntry.seq)), "origin": .text(String(state.originEntry.seq)),
            "gradings": .text(seqs(state.gradings.map(\.seq))), "corrections": .text(seqs(state.corrections.map(\.seq)))]) + ")\n"
        report += (package.signedNewCheckpoint
            ? tr("Proven against checkpoint {ledger} at tree size {size} (signed now).", ["ledger": .text(package.checkpoint.origin), "size": .integer(package.checkpoint.size)])
            : tr("Proven against checkpoint {ledger} at tree size {size}.", ["ledger": .text(package.checkpoint.origin), "size": .integer(package.checkpoint.size)])) + "\n"
        for note in package.label.notes { report += tr("Note: {note}", ["note": .message(note)]) + "\n" }
        for correction in state.corrections {
            report += tr("Applied: entry #{corrects} corrected by entry #{seq} ({reason}: {changes}).", [
                "corrects": .text(String(correction.record.corrects)), "seq": .text(String(correction.seq)),
                "reason": .text(correction.record.reason), "changes": .text(correction.record.changesText(TraceabilitySupport.presentation))]) + "\n"
        }
        for change in state.unappliedChanges {
            report += tr("Warning: {change} was corrected in a way the label cannot show; see `agritrace trace {lot}`.",
                         ["change": .message(change), "lot": .text(Quoting.shellOperand(package.lotCode))]) + "\n"
        }
        for conflict in state.originConflicts {
            report += tr("Warning: {conflict}; verify-label will refuse this lot.", ["conflict": .message(conflict)]) + "\n"
        }
        FileHandleOutput.standardOutput.write(report)
    }
}

extension LabelStock: ExpressibleByArgument {}
