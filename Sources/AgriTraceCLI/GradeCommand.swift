import ArgumentParser
import Foundation
import Grading
import Localization
import LedgerStore
import NeuralNet

struct GradeCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "grade",
        abstract: tr("Grade an upload of photos and record the results in the ledger."),
        discussion: tr("UPLOAD is a folder or a .zip holding manifest.csv and the photos it lists (the upload format is in the README's \"Grading farm uploads\" section). The key is checked against the ledger and everything is checked before grading starts; then every photo is graded and each lot is recorded as one lot entry and one grading entry, appended together. Re-running the same upload records nothing new.")
            + "\n\n" + ExitStatus.help(
                success: tr("all photos graded and no lot held for review"),
                needsAttention: tr("some photos unreadable, some lots held for review, or some lots refused by the ledger's entry rules (e.g. too many photos for one entry; the rest is recorded)"),
                readsLedger: true)
            + "\n\n" + tr("Example:") + """

              agritrace grade upload.zip --ledger coop.db --key ~/.config/agritrace/coop.key
            """) }

    @Argument(help: ArgumentHelp(tr("Upload folder or .zip file.")))
    var upload: String

    @Option(help: ArgumentHelp(tr("Ledger database file (created with `agritrace ledger init`).")))
    var ledger: String

    @Option(help: ArgumentHelp(tr("The cooperative's private signing key file.")))
    var key: String

    @Option(help: ArgumentHelp(tr("Model file (.agmodel) (default: the bundled model).")))
    var model: String?

    @Option(help: ArgumentHelp(tr("Grading policy JSON file (default: the bundled policy).")))
    var policy: String?

    @Option(help: ArgumentHelp(tr("Worker threads decoding and classifying (default: all cores).")))
    var jobs: Int?

    @Option(help: ArgumentHelp(tr("Write one JSON line per photo to this file.")))
    var results: String?

    @Option(help: ArgumentHelp(tr("Cooperative id recorded with each lot (default: the ledger's origin name).")))
    var cooperative: String?

    @Flag(help: ArgumentHelp(tr("Register origin codes the ledger does not know yet, from the manifest's rows.")))
    var registerOrigins = false

    @Flag(help: ArgumentHelp(tr("Print the summary as JSON instead of a table.")))
    var json = false

    @Flag(help: ArgumentHelp(tr("Print no progress on stderr.")))
    var quiet = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError(tr("--jobs must be at least 1")) }
        if let cooperative, cooperative.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError(tr("--cooperative must not be empty"))
        }
    }

    func run() throws {
        // Every input is checked before the first photo is decoded: a wrong key or a missing file
        // must not cost a grading run.
        try InputFile.require(upload, tr("upload", context: "file kind"))
        let database = try TraceabilitySupport.openVerifiedLedger(ledger, readOnly: false)
        let signer = try KeyFiles.signer(key, for: database)
        if let model { try InputFile.require(model, tr("model", context: "file kind")) }
        if let policy { try InputFile.require(policy, tr("policy", context: "file kind")) }
        let gradingPolicy = try policy.map { try GradingPolicy(contentsOf: URL(fileURLWithPath: $0)) } ?? GradingPolicy.bundledDefault()
        let classifier = try model.map { try ModelPhotoClassifier(contentsOf: URL(fileURLWithPath: $0)) }
            ?? ModelPhotoClassifier.bundledDefault()
        let uploadFiles = try Upload(url: URL(fileURLWithPath: upload))
        let store = LedgerGradingStore(ledger: database, signer: signer)
        var writer: ResultsWriter?
        if let results {
            // Said plainly: Foundation reports a missing folder as a permission problem.
            let folder = URL(fileURLWithPath: results).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw CommandFailure(.usageError, tr("results file {file}: the folder {folder} does not exist",
                                                      ["file": .text(results), "folder": .text(folder)]))
            }
            let inputs = [ledger, key, upload] + (policy.map { [$0] } ?? []) + (model.map { [$0] } ?? [])
            if let refusal = OutputFile.refusal(replacing: results, inputs: inputs) {
                throw CommandFailure(.usageError, tr("results file {file}: {reason}", ["file": .text(results), "reason": .message(refusal.message)]))
            }
            do { writer = try ResultsWriter(url: URL(fileURLWithPath: results)) } catch {
                throw CommandFailure(.usageError, tr("cannot write results file {file}: {reason}",
                                                      ["file": .text(results), "reason": .message(.fileError(error))]))
            }
        }
        defer { try? writer?.close() }
        let progress = GradeProgress(style: GradeProgress.style(quiet: quiet), results: writer)
        let grader = BatchGrader(classifier: classifier, policy: gradingPolicy, ledger: store,
                                 options: .init(jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                                registerOrigins: registerOrigins, cooperative: cooperative))
        let summary: GradingSummary
        do {
            summary = try grader.grade(uploadFiles, observer: progress)
        } catch {
            throw Self.failure(error, upload: upload, ledger: ledger)
        }
        FileHandleOutput.standardOutput.write(json ? summary.json + "\n" : summary.humanReport(gradeName: { gradingPolicy.displayName(of: $0, language: Localizer.current.language.tag) }))
        if !summary.isClean { throw ExitStatus.needsAttention }
    }

    /// What a failure during grading means for the user: the upload's fault (2), the ledger's
    /// (as `ExitStatus` classifies it) or, for anything else, decoding or the classifier's (4).
    static func failure(_ error: any Error, upload: String, ledger: String) -> any Error {
        switch error {
        case is UploadValidationError, is GradingPolicyError: return error
        case let error as EntryError:
            return CommandFailure(.usageError, tr("upload {file}: {reason}", ["file": .text(upload), "reason": .text(render(error))]))
        case let error as LedgerError:
            return CommandFailure(ExitStatus(for: error), tr("ledger {file}: {reason}", ["file": .text(ledger), "reason": .text(render(error))]))
        default: return CommandFailure(.internalFailure, tr("grading stopped: {reason}", ["reason": .text(render(error))]))
        }
    }
}
