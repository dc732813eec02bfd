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

/// Messages quote what the upload says (column names, file names, values). Whatever a hostile
/// manifest holds, standard error carries no control character but line breaks and tabs and no
/// bidirectional control: they are shown as visible escapes, so the terminal shows what is there.
@Suite struct HostileTextOnTheTerminalTests {
    @Test func controlCharactersInAManifestReachTheTerminalEscaped() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = workspace.path("upload")
        try FileManager.default.copyItem(atPath: FixtureFiles.url("uploads/sample").path, toPath: upload)
        let manifest = upload + "/manifest.csv"
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        // Split per line break as bytes go: "\r\n" is one Character to Swift.
        var lines = original.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        try #require(lines.count > 2)
        let hostile = "\u{1B}[2J\u{7}x\u{0}y\u{9B}31m\u{202E}gnp.exe\u{2066}"
        lines[0] += ",\(hostile)"
        for index in 1..<lines.count where !lines[index].isEmpty { lines[index] += ",v" }
        lines[1] = lines[1].replacingOccurrences(of: ",v", with: ",\(hostile)")
        try lines.joined(separator: "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try workspace.grade(upload, ["--quiet"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("\\u{1b}[2J") && result.stderr.contains("\\u{202e}gnp.exe"), "\(result.stderr)")
        let unsafe = result.stderr.unicodeScalars.filter {
            ($0 != "\n" && $0 != "\t" && ($0.value < 0x20 || (0x7f...0x9f).contains($0.value)))
                || (0x202a...0x202e).contains($0.value) || (0x2066...0x2069).contains($0.value)
        }
        #expect(unsafe.isEmpty, "raw controls on the terminal: \(unsafe.map { String($0.value, radix: 16) })")
    }
}
