@testable import AgriTraceCLI
import Foundation
import Grading
import LedgerStore
import Provenance
import NeuralNet
import Testing
import TestSupport

/// A failure in the middle of grading is reported for what it is, whatever the error's type.
@Suite struct GradeFailureTests {
    /// Decodes every photo, then fails as a broken executor would, with an error type that
    /// elsewhere means "the user gave a bad model".
    struct FailingClassifier: PhotoClassifier {
        var modelID: String { String(repeating: "0", count: 64) }
        var labels: [String] { (0..<10).map { "class-\($0)" } }
        var calibration: ModelCalibration { .uncalibrated }
        func decode(_ data: Data, fileName: String) throws -> [UInt8] { [0, 0, 0] }
        func classify(_ batch: [[UInt8]]) throws -> [[Float]] {
            throw ModelError(file: "in memory", reason: "executor failed")
        }
    }

    @Test func aClassifierFailureIsAnInternalFailureNotALedgerOrInputProblem() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let store = LedgerGradingStore(ledger: try Ledger(provenanceAt: workspace.ledger), signer: try SigningKeyFile.load(workspace.key))
        let grader = BatchGrader(classifier: FailingClassifier(), policy: try GradingPolicy.bundledDefault(), ledger: store,
                                 options: .init(jobs: 1, registerOrigins: true))
        let upload = try Upload(url: FixtureFiles.url("uploads/sample"))
        let error = try #require(throws: (any Error).self) { try grader.grade(upload) }
        let failure = GradeCommand.failure(error, upload: "sample", ledger: workspace.ledger)
        #expect(ExitStatus(for: failure) == .internalFailure, "\(failure)")
        #expect("\(failure)".contains("executor failed"))
    }
}
