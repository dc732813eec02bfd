import ArgumentParser
import Foundation
import Grading
import LedgerStore
import NeuralNet

struct GradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade an upload of photos and record the results in the ledger.",
        discussion: """
            UPLOAD is a folder or a .zip holding manifest.csv and the photos it lists (format: \
            Sources/Grading/README.md). Everything is checked before grading starts; then every \
            photo is graded and each lot is recorded as one lot entry and one grading entry, \
            appended together. Re-running the same upload records nothing new.

            Exit status: 0 all photos graded and no lot held for review; 1 some photos unreadable \
            or some lots held for review (the rest is recorded); 2 usage, upload, manifest, policy \
            or model errors (nothing recorded); 3 ledger problems.
            """)

    @Argument(help: "Upload folder or .zip file.")
    var upload: String

    @Option(help: "Ledger database file (created with `agritrace ledger init`).")
    var ledger: String

    @Option(help: "The cooperative's private signing key file.")
    var key: String

    @Option(help: "Model file (.agmodel). Default: the bundled model.")
    var model: String?

    @Option(help: "Grading policy JSON file. Default: the bundled policy.")
    var policy: String?

    @Option(help: "Worker threads decoding and classifying. Default: all cores.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write one JSON line per photo to this file.")
    var results: String?

    @Option(help: "Cooperative id recorded with each lot. Default: the ledger's origin name.")
    var cooperative: String?

    @Flag(help: "Register origin codes the ledger does not know yet, from the manifest's rows.")
    var registerOrigins = false

    @Flag(help: "Print the summary as JSON instead of a table.")
    var json = false

    @Flag(help: "Print no progress on stderr.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let cooperative, cooperative.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--cooperative must not be empty")
        }
    }

    func run() throws {
        let stderr = FileHandleOutput.standardError
        // Inputs first (status 2), then the ledger (status 3).
        let gradingPolicy: GradingPolicy
        let classifier: ModelPhotoClassifier
        let uploadFiles: Upload
        do {
            gradingPolicy = try policy.map { try GradingPolicy(contentsOf: URL(fileURLWithPath: $0)) } ?? GradingPolicy.bundledDefault()
            classifier = try model.map { try ModelPhotoClassifier(contentsOf: URL(fileURLWithPath: $0)) }
                ?? ModelPhotoClassifier.bundledDefault()
            uploadFiles = try Upload(url: URL(fileURLWithPath: upload))
        } catch {
            stderr.write("agritrace grade: \(error)\n")
            throw ExitCode(2)
        }
        let store: LedgerGradingStore
        do {
            let signer = try SigningKeyFile.load(key)
            store = LedgerGradingStore(ledger: try Ledger(path: ledger), signer: signer)
        } catch {
            stderr.write("agritrace grade: \(error)\n")
            throw ExitCode(3)
        }
        var writer: ResultsWriter?
        if let results {
            do { writer = try ResultsWriter(url: URL(fileURLWithPath: results)) } catch {
                stderr.write("agritrace grade: cannot write results file \(results): \(error.localizedDescription)\n")
                throw ExitCode(2)
            }
        }
        let progress = GradeProgress(style: GradeProgress.style(quiet: quiet), results: writer)
        let grader = BatchGrader(classifier: classifier, policy: gradingPolicy, ledger: store,
                                 options: .init(jobs: jobs, registerOrigins: registerOrigins, cooperative: cooperative))
        let summary: GradingSummary
        do {
            defer { try? writer?.close() }
            summary = try grader.grade(uploadFiles, observer: progress)
        } catch let error as UploadValidationError {
            stderr.write("agritrace grade: \(error)\n")
            throw ExitCode(2)
        } catch let error as GradingPolicyError {
            stderr.write("agritrace grade: \(error)\n")
            throw ExitCode(2)
        } catch {
            stderr.write("agritrace grade: ledger \(ledger): \(error)\n")
            throw ExitCode(3)
        }
        FileHandleOutput.standardOutput.write(json ? summary.json + "\n" : summary.humanReport)
        if !summary.isClean { throw ExitCode(1) }
    }
}
