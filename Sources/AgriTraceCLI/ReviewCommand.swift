import ArgumentParser
import Foundation
import Localization
import LedgerStore
import Provenance
import Traceability

/// `agritrace review [LOT [--accept | --grade G --reason TEXT] --key KEY] --ledger DB`: held lots
/// and a person's decision about them, recorded as a signed correction (`LotReview`).
struct ReviewCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "review",
        abstract: tr("List lots held for review, or record a person's decision about a lot's grade."),
        discussion: tr("Without LOT, lists every lot held for review now, with each photo's grade and confidence (the model's top probability) as its grading entry recorded them. With LOT alone, shows that lot. With LOT and --accept (confirm the grade the grading suggested for a held lot) or --grade G --reason TEXT (set one of the grading policy's grades; this may also re-grade a lot that is not held), appends one correction of the lot's latest grading, signed with --key, that sets its lot grade: trace, label, verify-label, export and audit then show that grade, and the original grading stays in the ledger. Re-run `label --replace` for a new label. Re-running the same decision records nothing and says so (status 0). G is the grade's code as the listing shows it (Premium, Grade I, ...), in every language.")
            + "\n\n" + ExitStatus.help(success: tr("decision recorded or already recorded; or no lot is held (list)"),
                                       needsAttention: tr("lots are held for review (list, or LOT alone when it is held); or the lot is unknown or not graded"),
                                       readsLedger: true)
            + "\n\n" + tr("Example:") + """

              agritrace review --ledger coop.db
              agritrace review DT-LV-261105-03 --accept --reviewer "Trần Văn Nam" --ledger coop.db --key ~/.config/agritrace/coop.key
              agritrace review DT-LV-261103-02 --grade "Grade II" --reason "trái bị dập ở lớp trên cùng của thùng" --reviewer "Trần Văn Nam" --ledger coop.db --key ~/.config/agritrace/coop.key
            """) }

    @Argument(help: ArgumentHelp(tr("The lot code to show or decide.")))
    var lot: String?

    @Option(name: .long, help: ArgumentHelp(tr("The ledger database.")))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's signing key (needed to record a decision).")))
    var key: String?

    @Flag(name: .long, help: ArgumentHelp(tr("Confirm the grade the grading suggested for a held lot.")))
    var accept = false

    @Option(name: .long, help: ArgumentHelp(tr("Set this grade (one of the grading policy's grades).")))
    var grade: String?

    @Option(name: .long, help: ArgumentHelp(tr("Why (required with --grade; recorded in the ledger).")))
    var reason: String?

    @Option(name: .long, help: ArgumentHelp(tr("Who decided (required with --accept or --grade; recorded in the ledger with the decision).")))
    var reviewer: String?

    private var decision: LotReview.Decision? { accept ? .accept : grade.map(LotReview.Decision.grade) }

    func validate() throws {
        if let lot { try TraceabilitySupport.validateLotArgument(lot) }
        if accept && grade != nil { throw ValidationError(tr("give either --accept or --grade, not both")) }
        if decision == nil {
            if reason != nil || reviewer != nil { throw ValidationError(tr("--reason and --reviewer go with --accept or --grade")) }
            if key != nil && lot == nil { throw ValidationError(tr("--key is only needed to record a decision about a LOT")) }
        } else {
            if lot == nil { throw ValidationError(tr("--accept and --grade need the LOT to decide")) }
            if key == nil { throw ValidationError(tr("recording a decision needs --key (the cooperative's signing key)")) }
            // A signed decision with no name cannot be answered for later: buyers and inspectors see who decided.
            if reviewer == nil { throw ValidationError(tr("recording a decision needs --reviewer (who decided; recorded in the ledger)")) }
        }
    }

    func run() throws {
        let database = try TraceabilitySupport.openVerifiedLedger(ledger, readOnly: decision == nil)
        // The key is checked before anything else is read: a wrong key never half-records.
        let signer = try key.map { try KeyFiles.signer($0, for: database) }
        let snapshot = try TraceabilitySupport.snapshot(of: database)
        let p = TraceabilitySupport.presentation
        guard let lot else {
            let held = LotReview.heldLots(in: snapshot)
            FileHandleOutput.standardOutput.write(LotReview.text(ofHeld: held, p))
            if !held.isEmpty { throw ExitStatus.needsAttention }
            return
        }
        guard let state = try snapshot.lotState(code: lot) else {
            throw CommandFailure(.needsAttention, tr("the ledger {file} has no lot \"{lot}\"", ["file": .text(ledger), "lot": .text(EntryValidator.printable(lot))]))
        }
        guard let decision, let signer, let reviewer else {
            FileHandleOutput.standardOutput.write(LotReview.text(of: state, p))
            if state.isHeld || state.current == nil { throw ExitStatus.needsAttention }
            return
        }
        let outcome: LotReview.Outcome
        do {
            outcome = try LotReview.outcome(for: state, decision: decision, reason: reason, reviewer: reviewer)
        } catch {
            throw CommandFailure(ExitStatus(for: error), p(error.message(p)))
        }
        switch outcome {
        case .alreadyDecided:
            FileHandleOutput.standardOutput.write(LotReview.alreadyDecidedText(state, p) + "\n")
        case .record(let correction, let basis):
            let appended: [LedgerEntry]
            do {
                appended = try database.append([.correction(correction)], signer: signer, decidedOn: basis).appended
            } catch LedgerError.changedMeanwhile(let seq, _) {
                throw CommandFailure(.needsAttention, tr("lot {lot} changed while this decision was being made (entry #{seq} was recorded meanwhile); nothing recorded: look at it again with `agritrace review {operand}`",
                                                         ["lot": .text(lot), "seq": .text(String(seq)), "operand": .text(Quoting.shellOperand(lot))]))
            } catch {
                throw CommandFailure(ExitStatus(for: error), tr("ledger {file}: nothing recorded: {reason}", ["file": .text(ledger), "reason": .text(render(error))]))
            }
            let seq = appended.first.map { "#\($0.seq)" } ?? ""
            let now = try TraceabilitySupport.snapshot(of: database)
            let status = (try? now.lotState(code: lot))??.statusText(p) ?? tr("recorded", context: "lot status")
            FileHandleOutput.standardOutput.write(tr("Recorded correction {seq} for lot {lot}: {status}", ["seq": .text(seq), "lot": .text(lot), "status": .text(status)]) + "\n"
                + tr("Print a new label with `agritrace label --replace ... {lot}`.", ["lot": .text(Quoting.shellOperand(lot))]) + "\n")
        }
    }
}
