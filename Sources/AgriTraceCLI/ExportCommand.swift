import ArgumentParser
import Foundation
import Grading
import LedgerStore
import Localization
import Provenance
import Traceability

/// `agritrace export epcis ...`: ledger records in standard exchange formats.
struct ExportCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "export", abstract: tr("Export ledger records (GS1 EPCIS 2.0)."),
        discussion: tr("Example:") + """

              agritrace export epcis --ledger coop.db --out events.jsonld
            """,
        subcommands: [EPCIS.self]) }

    /// `agritrace export epcis --ledger DB [--lot CODE] [--since DATE] --out FILE`. The document is
    /// machine output: language-neutral whatever --lang says; only help, errors and the summary line are translated.
    struct EPCIS: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "epcis",
            abstract: tr("Write a GS1 EPCIS 2.0 JSON-LD document: one inspecting ObjectEvent per grading and per review decision."),
            discussion: tr("Each grading becomes an ObjectEvent with bizStep inspecting and disposition conformant, or non_conformant when its lot grade is Reject or the grading policy held the lot for review (agritrace:heldForReview true, agritrace:holdReason why). Each later decision about a grading's lot grade (`agritrace review`, a correction) becomes one more OBSERVE event with the lot's grade and disposition after it, its reason and reviewer, so a lot's latest event is its state now and the original grading stays visible; the lot is the quantityList epcClass (its GS1 Digital Link URI, or urn:agritrace:lot:<lot>); the first grading of a lot carries ILMD with harvest date and origin code; the ledger seq and leaf hash are in the agritrace: namespace (urn:agritrace:epcis:). The document is the same in every language.")
                + "\n\n" + ExitStatus.help(success: tr("written", context: "export"), needsAttention: tr("the ledger has no such --lot"), readsLedger: true)
                + "\n\n" + tr("Example:") + """

                  agritrace export epcis --ledger coop.db --since 01/11/2026 --out events.jsonld
                """) }

        @Option(name: .long, help: ArgumentHelp(tr("The ledger database.")))
        var ledger: String

        @Option(name: .long, help: ArgumentHelp(tr("Only gradings of this lot.")))
        var lot: String?

        @Option(name: .long, help: ArgumentHelp(tr("Only gradings recorded on or after this UTC date (YYYY-MM-DD or DD/MM/YYYY, as in manifests).")))
        var since: String?

        @Option(name: .long, help: ArgumentHelp(tr("readPoint/bizLocation URI (default urn:agritrace:cooperative:<id> from each lot).")))
        var location: String?

        @Option(name: .long, help: ArgumentHelp(tr("Output file (.jsonld); '-' for standard output.")))
        var out: String

        func validate() throws {
            // The same reading and the same words as a manifest's harvest_date.
            if let since, let problem = ManifestText.dateProblem(column: "--since", value: since, reading: Identifiers.readDate(since)) {
                throw ValidationError(Localizer.current.render(problem))
            }
            if let location, !location.contains(":") {
                throw ValidationError(tr("--location must be a URI such as urn:epc:id:sgln:..., got '{value}'", ["value": .text(location)]))
            }
        }

        func run() throws {
            let snapshot = try TraceabilitySupport.snapshot(of: try TraceabilitySupport.openVerifiedLedger(ledger))
            if let lot, snapshot.lot(code: lot) == nil {
                throw CommandFailure(.needsAttention, tr("the ledger {file} has no lot \"{lot}\"", ["file": .text(ledger), "lot": .text(EntryValidator.printable(lot))]))
            }
            let sinceDay = since.flatMap { text -> String? in if case .date(let iso) = Identifiers.readDate(text) { iso } else { nil } }
            let exporter = EPCISExporter(options: .init(lotCode: lot, sinceDate: sinceDay, locationURI: location))
            let count = exporter.selectedInspections(in: snapshot).count
            let document = exporter.document(for: snapshot, creationDate: TraceabilitySupport.nowTimestamp()).rendered()
            if out == "-" {
                FileHandleOutput.standardOutput.write(document)
            } else {
                try TraceabilitySupport.write(Array(document.utf8), to: out, inputs: [ledger])
                FileHandleOutput.standardError.write(tr("wrote {n} ObjectEvent to {file}", plural: "wrote {n} ObjectEvents to {file}", count: count, ["file": .text(out)]) + "\n")
            }
        }
    }
}
