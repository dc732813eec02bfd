import ArgumentParser
import Foundation
import Provenance
import Traceability

/// `agritrace export epcis ...`: ledger records in standard exchange formats.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export ledger records (GS1 EPCIS 2.0).",
        discussion: """
            Example:
              agritrace export epcis --ledger coop.db --out events.jsonld
            """,
        subcommands: [EPCIS.self])

    /// `agritrace export epcis --ledger DB [--lot CODE] [--since DATE] --out FILE`.
    struct EPCIS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "epcis",
            abstract: "Write a GS1 EPCIS 2.0 JSON-LD document: one inspecting ObjectEvent per grading and per review decision.",
            discussion: """
                Each grading becomes an ObjectEvent with bizStep inspecting and disposition \
                conformant, or non_conformant when its lot grade is Reject or the grading policy held the \
                lot for review (agritrace:heldForReview true, agritrace:holdReason why). Each later \
                decision about a grading's lot grade (`agritrace review`, a correction) becomes one more \
                OBSERVE event with the lot's grade and disposition after it, its reason and reviewer, \
                so a lot's latest event is its state now and the original grading stays visible; the lot \
                is the quantityList epcClass (its GS1 Digital Link URI, or urn:agritrace:lot:<lot>); \
                the first grading of a lot carries ILMD with harvest date and origin code; the \
                ledger seq and leaf hash are in the agritrace: namespace (urn:agritrace:epcis:).

                \(ExitStatus.help(success: "written", needsAttention: "the ledger has no such --lot",
                                  readsLedger: true))

                Example:
                  agritrace export epcis --ledger coop.db --since 2026-11-01 --out events.jsonld
                """)

        @Option(name: .long, help: "The ledger database.")
        var ledger: String

        @Option(name: .long, help: "Only gradings of this lot.")
        var lot: String?

        @Option(name: .long, help: "Only gradings recorded on or after this UTC date (YYYY-MM-DD).")
        var since: String?

        @Option(name: .long, help: "readPoint/bizLocation URI (default urn:agritrace:cooperative:<id> from each lot).")
        var location: String?

        @Option(name: .long, help: "Output file (.jsonld); '-' for standard output.")
        var out: String

        func validate() throws {
            if let since, !Identifiers.isDate(since) {
                throw ValidationError("--since must be \(Identifiers.dateRule), a real calendar date; got '\(since)'")
            }
            if let location, !location.contains(":") {
                throw ValidationError("--location must be a URI such as urn:epc:id:sgln:..., got '\(location)'")
            }
        }

        func run() throws {
            let snapshot = try TraceabilitySupport.snapshot(of: try TraceabilitySupport.openLedger(ledger))
            if let lot, snapshot.lot(code: lot) == nil {
                throw CommandFailure(.needsAttention, "the ledger \(ledger) has no lot \"\(lot)\"")
            }
            let exporter = EPCISExporter(options: .init(lotCode: lot, sinceDate: since, locationURI: location))
            let count = exporter.selectedInspections(in: snapshot).count
            let document = exporter.document(for: snapshot, creationDate: TraceabilitySupport.nowTimestamp()).rendered()
            if out == "-" {
                FileHandleOutput.standardOutput.write(document)
            } else {
                try TraceabilitySupport.write(Array(document.utf8), to: out)
                FileHandleOutput.standardError.write("wrote \(count) ObjectEvents to \(out)\n")
            }
        }
    }
}
