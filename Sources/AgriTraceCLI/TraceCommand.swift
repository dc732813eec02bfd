import ArgumentParser
import Localization
import Traceability

/// `agritrace trace QUERY --ledger DB [--json]`: provenance of a lot, a lot URI or an origin code.
struct TraceCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "trace",
        abstract: tr("Show the provenance of a lot, origin code or GS1 Digital Link."),
        discussion: tr("QUERY is a lot code (DT-LV-261103-01), the URI from a lot's QR code (https://id.gs1.org/01/<GTIN>/10/<lot>, or urn:agritrace:lot:<lot> for lots without a GTIN), the lot's EPC class URI (urn:epc:class:lgtin:<company prefix>.<indicator digit and item reference>.<lot>), or an origin code. Prints every related entry in ledger order with its seq and leaf hash, and the latest signed checkpoint that covers them.")
            + "\n\n" + ExitStatus.help(success: tr("found", context: "exit status"),
                                       needsAttention: tr("nothing recorded for the query"), readsLedger: true)
            + "\n\n" + tr("Example:") + """

              agritrace trace DT-LV-261103-01 --ledger coop.db
            """) }

    @Argument(help: ArgumentHelp(tr("Lot code, lot URI (GS1 Digital Link) or origin code.")))
    var query: String

    @Option(name: .long, help: ArgumentHelp(tr("The ledger database.")))
    var ledger: String

    @Flag(name: .long, help: ArgumentHelp(tr("Print JSON instead of text.")))
    var json = false

    func run() throws {
        let database = try TraceabilitySupport.openVerifiedLedger(ledger)
        let snapshot: LedgerSnapshot
        do {
            snapshot = try LedgerSnapshot(relevantTo: query, in: database)
        } catch {
            throw TraceabilitySupport.unreadable(ledger, error)
        }
        let trace = try ProvenanceTrace(query: query, in: snapshot)
        FileHandleOutput.standardOutput.write(json ? trace.json().rendered() : trace.text(TraceabilitySupport.presentation))
    }
}
