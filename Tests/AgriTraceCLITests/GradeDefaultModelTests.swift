import Foundation
import Testing
import TestSupport

/// The bundled default model and policy on the sample upload give exactly the committed
/// expectation (`Fixtures/uploads/sample-expected.json`, made by
/// `Fixtures/tools/make_sample_expectation.sh`): per-photo classes and per-lot grades.
@Suite struct GradeDefaultModelTests {
    @Test func theDefaultModelGradesTheSampleUploadAsCommitted() throws {
        let expected = try JSONSerialization.jsonObject(with: FixtureFiles.data("uploads/sample-expected.json")) as! [String: Any]
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let result = try AgriTraceBinary.run(["grade", FixtureFiles.url("uploads/sample").path, "--ledger", workspace.ledger,
                                              "--key", workspace.key, "--register-origins", "--cooperative", "HTX-LAI-VUNG",
                                              "--results", workspace.results, "--json", "--quiet"])
        #expect(result.status <= 1, "\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        try #require(summary["model"] as? String == expected["model"] as? String,
                     "the bundled model changed: re-run Fixtures/tools/make_sample_expectation.sh and review the diff")
        #expect(summary["policy"] as? String == expected["policy"] as? String)
        let lots = (summary["lots"] as! [[String: Any]]).map { lot -> [String: String] in
            let distribution = (lot["distribution"] as! [[String: Any]]).map { "\($0["grade"]!)=\($0["count"]!)" }
            return ["lot": "\(lot["lot"]!)", "grade": "\(lot["grade"]!)", "held": "\(lot["held"]!)",
                    "review": "\(lot["needs_review"]!)", "distribution": distribution.joined(separator: ",")]
        }
        let expectedLots = (expected["lots"] as! [[String: Any]]).map { lot -> [String: String] in
            let counts = lot["distribution"] as! [String: Int]
            let distribution = ["Premium", "Grade I", "Grade II", "Reject"].map { "\($0)=\(counts[$0] ?? 0)" }
            return ["lot": "\(lot["lot"]!)", "grade": "\(lot["grade"]!)", "held": "\(lot["held"]!)",
                    "review": "\(lot["needs_review"]!)", "distribution": distribution.joined(separator: ",")]
        }
        #expect(lots == expectedLots)
        let photos = try String(contentsOfFile: workspace.results, encoding: .utf8).split(separator: "\n").map {
            let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            return "\(object["file"]!) \(object["class"].map { "\($0)" } ?? "-")"
        }
        let expectedPhotos = (expected["photos"] as! [[String: Any]]).map { "\($0["file"]!) \($0["class"].map { "\($0)" } ?? "-")" }
        #expect(photos == expectedPhotos)
    }
}
