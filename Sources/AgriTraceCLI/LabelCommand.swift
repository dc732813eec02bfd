import ArgumentParser
import Foundation
import LedgerStore
import Localization
import Traceability

/// `agritrace label LOT --ledger DB --key KEY --out DIR`: the printable label and the buyer's
/// proof bundle for a lot's current state.
struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Write a lot's printable QR label and its buyer proof bundle.",
        discussion: """
            Writes into DIR: <name>.png, a 300 dpi label for 50x30 or 100x60 mm stock (--size): QR code \
            of the lot's GS1 Digital Link URI, or urn:agritrace:lot:<lot> without a GTIN (with --base-url \
            URL the lot's page on the cooperative's `agritrace serve`, URL/01/<GTIN>/10/<lot> or \
            URL/lot/<lot>), beside the cooperative, farm, crop, origin code, lot code, harvest date and \
            the lot's grade (latest grading, corrections applied, or HELD FOR REVIEW while the grading \
            policy's hold is not released by a correction of the lot grade), in Noto Sans with full \
            Vietnamese; text too long for the label is shrunk, wrapped, and only then shortened with a \
            note. And <name>.proof, \
            one bundle for `agritrace verify-label`: the lot, its origin registration, every grading \
            and correction, proven under one checkpoint, with a statement signed by KEY that these \
            are all of them. The latest checkpoint is used when it covers the lot's newest entry and \
            is signed by KEY, else KEY signs one. <name> is the lot code with every byte outside \
            A-Z 0-9 - written as _XX (hex): A/B -> A_2FB. Existing files are replaced only with --replace.

            \(ExitStatus.help(success: "label and proof bundle written", needsAttention: "the lot is unknown, not graded yet or its origin is not registered",
                              readsLedger: true))

            Example:
              agritrace label DT-LV-261103-01 --ledger coop.db --key ~/.config/agritrace/coop.key --out labels/ --size 50x30
            """)

    @Argument(help: "The lot code.")
    var lot: String

    @Option(name: .long, help: "The ledger database.")
    var ledger: String

    @Option(name: .long, help: "The cooperative's signing key: signs the bundle's statement, and a checkpoint when needed.")
    var key: String

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Option(name: .long, help: "The cooperative's `agritrace serve` address (https://trace.coop.example): the QR code opens the lot's page there.")
    var baseURL: String?

    @Option(name: .long, help: "Label stock in millimetres: 50x30 or 100x60 (printed at 300 dpi).")
    var size: LabelStock = .large

    @Flag(name: .long, help: "Replace this lot's label files from an earlier run instead of refusing.")
    var replace = false

    func validate() throws {
        if let baseURL {
            let lower = baseURL.lowercased()
            let scheme = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
            guard scheme > 0, baseURL.dropFirst(scheme).split(separator: "/").first?.isEmpty == false,
                  !baseURL.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace }) else {
                throw ValidationError("--base-url \(baseURL): expected an http(s) address without query or fragment, e.g. https://trace.coop.example")
            }
        }
    }

    func run() throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
            throw CommandFailure(.usageError, "--out \(out) is a file, not a folder; give a folder for the label files")
        }
        let database = try TraceabilitySupport.openLedger(ledger, readOnly: false)
        let signer = try KeyFiles.signer(key, for: database)
        let package: LabelPackage
        do {
            package = try LabelPackage.make(lotCode: lot, ledger: database, signer: signer, baseURL: baseURL,
                                            stock: size, words: LabelWords(localizer: .current))
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
        let files = [(base + ".png", package.png), (base + ".proof", Array(package.bundle.utf8))]
        // File names are one-to-one with lot codes, so an existing file is this lot's earlier label:
        // replacing it must be asked for, never silent. Checked before writing anything.
        if !replace, let existing = files.first(where: { FileManager.default.fileExists(atPath: $0.0) }) {
            throw CommandFailure(.usageError, "\(existing.0) already exists (an earlier label of lot \(lot)); pass --replace to overwrite it")
        }
        for (path, bytes) in files { try TraceabilitySupport.write(bytes, to: path, replacing: replace) }

        let state = package.state
        let gradeText = state.isHeld ? "HELD FOR REVIEW" : "grade \(package.content.grade ?? "not graded")"
        let seqs = { (items: [Int]) in items.isEmpty ? "none" : items.map { "#\($0)" }.joined(separator: " ") }
        var report = """
            Label for lot \(package.lotCode) (\(size.rawValue) mm): \(gradeText), QR \(package.content.qrPayload)
              \(base).png
              \(base).proof  (lot #\(state.lotEntry.seq), origin #\(state.originEntry.seq), gradings \(seqs(state.gradings.map(\.seq))), \
            corrections \(seqs(state.corrections.map(\.seq))))
            Proven against checkpoint \(package.checkpoint.origin) at tree size \(package.checkpoint.size)\
            \(package.signedNewCheckpoint ? " (signed now)" : "").

            """
        for note in package.label.notes { report += "Note: \(Localizer.current.render(note))\n" }
        for correction in state.corrections {
            report += "Applied: entry #\(correction.record.corrects) corrected by entry #\(correction.seq) "
            report += "(\(correction.record.reason): \(correction.record.changesText)).\n"
        }
        for change in state.unappliedChanges {
            report += "Warning: \(change) was corrected in a way the label cannot show; see `agritrace trace \(package.lotCode)`.\n"
        }
        for conflict in state.originConflicts { report += "Warning: \(conflict); verify-label will refuse this lot.\n" }
        FileHandleOutput.standardOutput.write(report)
    }
}

extension LabelStock: ExpressibleByArgument {}
