import ArgumentParser
import Foundation
import LedgerStore
import Provenance
import Traceability

/// `agritrace review [LOT [--accept | --grade G --reason TEXT] --key KEY] --ledger DB`: held lots
/// and a person's decision about them, recorded as a signed correction (`LotReview`).
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "List lots held for review, or record a person's decision about a lot's grade.",
        discussion: """
            Without LOT, lists every lot held for review now, with each photo's grade and \
            confidence (the model's top probability) as its grading entry recorded them. With LOT \
            alone, shows that lot. With LOT and --accept (confirm the grade the grading suggested for \
            a held lot) or --grade G --reason TEXT (set one of the grading policy's grades; this may \
            also re-grade a lot that is not held), appends one correction of the lot's latest grading, \
            signed with --key, that sets its lot grade: trace, label, verify-label, export and audit \
            then show that grade, and the original grading stays in the ledger. Re-run `label --replace` \
            for a new label. Re-running the same decision records nothing and says so (status 0).

            \(ExitStatus.help(success: "decision recorded or already recorded; or no lot is held (list)",
                              needsAttention: "lots are held for review (list, or LOT alone when it is held); or the lot is unknown or not graded",
                              readsLedger: true))

            Example:
              agritrace review --ledger coop.db
              agritrace review DT-LV-261103-01 --accept --reviewer "Trần Văn Nam" --ledger coop.db --key ~/.config/agritrace/coop.key
              agritrace review DT-LV-261103-02 --grade "Grade II" --reason "bruised fruit on top of the crate" --ledger coop.db --key ~/.config/agritrace/coop.key
            """)

    @Argument(help: "The lot code to show or decide.")
    var lot: String?

    @Option(name: .long, help: "The ledger database.")
    var ledger: String

    @Option(name: .long, help: "The cooperative's signing key (needed to record a decision).")
    var key: String?

    @Flag(name: .long, help: "Confirm the grade the grading suggested for a held lot.")
    var accept = false

    @Option(name: .long, help: "Set this grade (one of the grading policy's grades).")
    var grade: String?

    @Option(name: .long, help: "Why (required with --grade; recorded in the ledger).")
    var reason: String?

    @Option(name: .long, help: "Who decided (recorded in the ledger with the decision).")
    var reviewer: String?

    private var decision: LotReview.Decision? { accept ? .accept : grade.map(LotReview.Decision.grade) }

    func validate() throws {
        if accept && grade != nil { throw ValidationError("give either --accept or --grade, not both") }
        if decision == nil {
            if reason != nil || reviewer != nil { throw ValidationError("--reason and --reviewer go with --accept or --grade") }
            if key != nil && lot == nil { throw ValidationError("--key is only needed to record a decision about a LOT") }
        } else {
            if lot == nil { throw ValidationError("--accept and --grade need the LOT to decide") }
            if key == nil { throw ValidationError("recording a decision needs --key (the cooperative's signing key)") }
        }
    }

    func run() throws {
        let database = try TraceabilitySupport.openLedger(ledger, readOnly: decision == nil)
        // The key is checked before anything else is read: a wrong key never half-records.
        let signer = try key.map { try KeyFiles.signer($0, for: database) }
        let snapshot = try TraceabilitySupport.snapshot(of: database)
        guard let lot else {
            let held = LotReview.heldLots(in: snapshot)
            FileHandleOutput.standardOutput.write(LotReview.text(ofHeld: held))
            if !held.isEmpty { throw ExitStatus.needsAttention }
            return
        }
        guard let state = try snapshot.lotState(code: lot) else {
            throw CommandFailure(.needsAttention, "the ledger \(ledger) has no lot \"\(EntryValidator.printable(lot))\"")
        }
        guard let decision, let signer else {
            FileHandleOutput.standardOutput.write(LotReview.text(of: state))
            if state.isHeld { throw ExitStatus.needsAttention }
            return
        }
        switch try LotReview.outcome(for: state, decision: decision, reason: reason, reviewer: reviewer) {
        case .alreadyDecided(let message):
            FileHandleOutput.standardOutput.write(message + "\n")
        case .record(let correction):
            let appended: [LedgerEntry]
            do {
                appended = try database.append([.correction(correction)], signer: signer).appended
            } catch {
                throw CommandFailure(ExitStatus(for: error), "ledger \(ledger): nothing recorded: \(error)")
            }
            let seq = appended.first.map { "#\($0.seq)" } ?? ""
            let now = try TraceabilitySupport.snapshot(of: database)
            let status = (try? now.lotState(code: lot))??.statusText() ?? "recorded"
            FileHandleOutput.standardOutput.write("Recorded correction \(seq) for lot \(lot): \(status)\n"
                + "Print a new label with `agritrace label \(lot) --replace ...`.\n")
        }
    }
}
