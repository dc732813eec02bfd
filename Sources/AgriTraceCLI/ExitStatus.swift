import ArgumentParser
import Foundation
import Grading
import Imaging
import LedgerStore
import Localization
import MerkleLog
import NeuralNet
import Traceability
import Training

/// The exit statuses of every `agritrace` command, and the one place an error becomes a status.
///
/// Commands throw: `ExitStatus` itself when they have already printed their verdict, a
/// `CommandFailure` when they know the status and the message, or any library error, which
/// `init(for:)` classifies. `AgriTrace.runAndExit()` prints the message and exits, after every
/// `defer` of the command has run.
public enum ExitStatus: Int32, Error, CaseIterable, Sendable {
    /// Success; VERIFIED; INTACT.
    case success = 0
    /// Finished, but something needs attention (unreadable photos, lots held, nothing found).
    case needsAttention = 1
    /// Usage or input error: bad option, file not found, malformed input, wrong key.
    case usageError = 2
    /// Verification failed: NOT VERIFIED, TAMPERED, refused by a witness.
    case verificationFailed = 3
    /// Internal or storage failure: I/O, SQLite, classifier failure.
    case internalFailure = 4

    /// The status for an error a command threw.
    public init(for error: any Error) {
        switch error {
        case let status as ExitStatus: self = status
        case let failure as CommandFailure: self = failure.status
        case is ValidationError: self = .usageError
        // Inputs the user gave: files, keys, models, uploads, data folders.
        case is KeyFileError, is EntryError, is ImageDecodingError, is ModelError, is OnnxImportError, is GraphError,
             is UploadValidationError, is ZipError, is GradingPolicyError, is DatasetError, is GroupingError,
             is EvaluationError, is CheckpointError, is QRCodeError, is KernelChoiceProblem:
            self = .usageError
        case let note as NoteError:
            switch note {
            case .malformedKey, .malformedNote, .malformedCheckpoint, .malformedProof: self = .usageError
            case .invalidSignature, .noVerifiedSignature, .originMismatch, .witnessQuorum: self = .verificationFailed
            }
        case is MerkleError, is ProofFileError, is ProofRejected, is WitnessError: self = .verificationFailed
        case is WitnessStateError: self = .usageError
        case let ledger as LedgerError: self = Self.status(of: ledger)
        case let database as LedgerDatabaseError: self = database.isDamage ? .verificationFailed : .internalFailure
        // A query that finds nothing: the command ran, there is just nothing to show.
        case is TraceError: self = .needsAttention
        case let label as LabelError:
            switch label {
            case .unknownLot, .notGraded, .originNotRegistered: self = .needsAttention
            }
        case let review as LotReviewError:
            switch review {
            case .notGraded: self = .needsAttention
            case .notHeld, .nothingToAccept, .unknownGrade, .reasonRequired, .emptyText, .badText: self = .usageError
            }
        // The ledger's entries of a lot do not form one lot's record.
        case is LotStateError: self = .verificationFailed
        case let cocoa as CocoaError where cocoa.code == .fileReadNoSuchFile || cocoa.code == .fileNoSuchFile:
            self = .usageError
        default: self = .internalFailure
        }
    }

    private static func status(of error: LedgerError) -> ExitStatus {
        switch error {
        case .database(let database): return database.isDamage ? .verificationFailed : .internalFailure
        case .notALedger, .alreadyExists, .unsupportedSchema, .rejectedEntry, .signerNotActive, .entryNotFound, .noCheckpoint:
            return .usageError
        // A value no agritrace ledger can hold: the file was edited, as verification would say.
        case .corruptEntry, .merkle, .storedValue, .damaged: return .verificationFailed
        // Someone else decided first: look again.
        case .changedMeanwhile: return .needsAttention
        }
    }

    /// What status 3 means for a command that reads an existing ledger: every such command
    /// refuses a ledger whose stored entries were altered, as `ledger verify` would say.
    static var tamperedLedger: String { tr("the ledger was altered (`ledger verify` says TAMPERED)") }

    /// The "Exit status" paragraph of a command's help: what 0, 1 and 3 mean for this command
    /// (nil: the command never uses that status), and the shared meaning of 2 and 4.
    /// `readsLedger`: the command opens an existing ledger, so it can also exit 3 for an altered one.
    static func help(success: String, needsAttention: String? = nil, verificationFailed: String? = nil,
                     readsLedger: Bool = false) -> String {
        var parts = ["0 \(success)"]
        if let needsAttention { parts.append("1 \(needsAttention)") }
        parts.append("2 " + tr("usage or input error (bad option, file not found, malformed input, wrong key)"))
        let failures = [verificationFailed, readsLedger ? tamperedLedger : nil].compactMap { $0 }
        if !failures.isEmpty { parts.append("3 " + failures.joined(separator: tr("; or "))) }
        parts.append("4 " + tr("internal or storage failure"))
        return tr("Exit status: {statuses}.", ["statuses": .text(parts.joined(separator: "; "))])
    }
}

/// An error's text in the user's language: a `LocalizableError`'s message, else its description
/// (the libraries' errors not yet carrying messages, and the platform's).
func render(_ error: any Error) -> String { Localizer.current.describe(error) }

/// A failure a command reports as one line on stderr, with the status it exits with.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    /// A usage error naming a file the user gave that does not exist.
    static func notFound(_ path: String, what: String) -> CommandFailure {
        CommandFailure(.usageError, tr("{what} {file}: not found", ["what": .text(what), "file": .text(path)]))
    }
}

/// Checks on the files a command is given, before any work starts.
enum InputFile {
    /// Throws "<what> <path>: not found" (status 2) unless `path` exists.
    static func require(_ path: String, _ what: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure.notFound(path, what: what) }
    }

    /// Reads a whole file the user named; missing is "not found", anything else names the problem.
    static func read(_ path: String, _ what: String) throws -> Data {
        try require(path, what)
        if let problem = Message.notRegularFile(path) {
            throw CommandFailure(.usageError, tr("{what} {file}: cannot read: {reason}", ["what": .text(what), "file": .text(path),
                                                                                   "reason": .message(problem)]))
        }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandFailure(.usageError, tr("{what} {file}: cannot read: {reason}", ["what": .text(what), "file": .text(path),
                                                                               "reason": .message(.fileError(error, path: path))]))
        }
    }
}
