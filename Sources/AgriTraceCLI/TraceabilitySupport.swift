import ArgumentParser
import Foundation
import Grading
import Localization
import LedgerStore
import Provenance
import Traceability

/// Shared plumbing of the commands that read a ledger or write files: failures become
/// `CommandFailure`s that name the file, with the status `ExitStatus(for:)` gives the cause.
enum TraceabilitySupport {
    /// A LOT argument no lot can have (every recorded lot code follows the ledger's rule) is a
    /// usage error, status 2, rather than "the ledger has no such lot".
    static func validateLotArgument(_ lot: String) throws {
        guard Identifiers.isLotCode(lot) else {
            throw ValidationError(tr("lot code '{code}' must be {lot_code_rule}",
                                     ["code": .text(EntryValidator.printable(lot)), "lot_code_rule": .message(Identifiers.lotCodeRule)]))
        }
    }

    /// Opens an existing ledger; a missing file is "not found" (status 2).
    static func openLedger(_ path: String, readOnly: Bool = true) throws -> Ledger {
        try InputFile.require(path, tr("ledger", context: "file kind"))
        do {
            return try Ledger(provenanceAt: path, clock: .fromEnvironment(), readOnly: readOnly)
        } catch {
            throw CommandFailure(ExitStatus(for: error), tr("cannot open ledger {file}: {reason}",
                                                          ["file": .text(path), "reason": .text(render(error))]))
        }
    }

    /// Opens an existing ledger and checks all of it as `ledger verify` does (every signature, the
    /// chain, the stored tree and checkpoints) before a command reads, signs or prints anything from
    /// it: an entry edited in the database still decodes, and would otherwise reach a label, an
    /// export or a checkpoint. An altered ledger is status 3, naming the first bad entry.
    static func openVerifiedLedger(_ path: String, readOnly: Bool = true) throws -> Ledger {
        let ledger = try openLedger(path, readOnly: readOnly)
        let report: VerificationReport
        do {
            report = try ledger.verify(statements: LotStatements.Rules())
        } catch {
            throw unreadable(path, error)
        }
        guard let failure = report.firstFailure else { return ledger }
        let place = report.firstBadEntry.map { tr("first bad entry: {seq}", ["seq": .integer($0)]) } ?? failure.rendered(presentation)
        throw CommandFailure(.verificationFailed, tr("ledger {file} was altered ({place}); nothing was read from it; run `agritrace ledger verify` for details",
                                                     ["file": .text(path), "place": .text(place)]))
    }

    /// Reads the whole ledger; entries that no longer decode mean the ledger was altered (status 3).
    static func snapshot(of ledger: Ledger) throws -> LedgerSnapshot {
        do {
            return try LedgerSnapshot(reading: ledger)
        } catch {
            throw unreadable(ledger.path, error)
        }
    }

    /// An altered ledger (status 3), pointing to `ledger verify` once: the store's own errors may name it already.
    static func unreadable(_ path: String, _ error: any Error) -> CommandFailure {
        let reason = render(error)
        let hint = reason.contains("agritrace ledger verify") ? "" : "; " + tr("run `agritrace ledger verify` for details")
        return CommandFailure(.verificationFailed, tr("cannot read ledger {file}: {reason}", ["file": .text(path), "reason": .text(reason)]) + hint)
    }

    /// Writes `bytes` to `path`; with `replacing: false` an existing file is an error, not overwritten.
    /// `inputs`: the files the command reads, which the output never replaces (nor a ledger or a key).
    static func write(_ bytes: [UInt8], to path: String, replacing: Bool = true, inputs: [String] = []) throws {
        do {
            try OutputFile.write(Data(bytes), to: path, replacing: replacing, inputs: inputs)
        } catch let refusal as OutputRefusal {
            throw CommandFailure(.usageError, Localizer.current.render(refusal.message))
        } catch {
            // A folder or a missing parent folder is the user's to fix; anything else (a full disk) is not.
            let code = (error as NSError).domain == NSPOSIXErrorDomain ? (error as NSError).code : 0
            throw CommandFailure([Int(EISDIR), Int(ENOENT), Int(ENOTDIR), Int(EEXIST)].contains(code) ? .usageError : .internalFailure,
                                 tr("cannot write {file}: {reason}",
                                                       ["file": .text(path), "reason": .message(.fileError(error))]))
        }
    }

    /// The user's language, with the bundled grading policy's grade names in it.
    static var presentation: Presentation {
        Presentation(localizer: .current, policyGradeNames: gradeNames)
    }

    /// Grade code → language tag → name, from the bundled grading policy (the ledger records a
    /// policy's hash, not its names).
    static var gradeNames: [String: [String: String]] { (try? GradingPolicy.bundledDefault())?.gradeNames ?? [:] }

    /// Now as RFC 3339 UTC with milliseconds, the ledger's timestamp form; `SOURCE_DATE_EPOCH`
    /// fixes it (as it fixes `recorded_at`), so exports and reports can be reproduced byte for byte.
    static func nowTimestamp() -> String {
        LedgerTime.format(millisecondsSinceEpoch: LedgerClock.fromEnvironment().millisecondsSinceEpoch())
    }
}
