import Foundation
import LedgerStore
import Provenance
import Testing
import TestSupport

/// A lot the grading policy holds for review must reach the buyer and the inspector as held: the
/// sample upload graded with the bundled default model through the binary, under the bundled
/// policy made cautious (held below 90 % confidence, so that some lots are held whichever the
/// default model; the grades are the committed expectation's, `Fixtures/uploads/sample-expected.json`),
/// then label, verify-label, trace, export and audit; a reviewer's correction of the lot grade releases it.
@Suite struct HeldLotJourneyTests {
    @Test func aHeldLotIsShownHeldEverywhereUntilAReviewerGradesIt() throws {
        let expected = try JSONSerialization.jsonObject(with: FixtureFiles.data("uploads/sample-expected.json")) as! [String: Any]
        let expectedLots = expected["lots"] as! [[String: Any]]

        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let graded = try AgriTraceBinary.run(["grade", FixtureFiles.url("uploads/sample").path, "--ledger", ws.ledger,
                                              "--key", ws.key, "--register-origins", "--cooperative", "HTX-LAI-VUNG",
                                              "--policy", try ws.strictPolicy(holdBelowBP: 9000)])
        #expect(graded.status == 1, "\(graded.stdout)\(graded.stderr)")
        #expect(graded.stdout.contains("(held)"))
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", ws.ledger, "--key", ws.key]).status == 0)
        let vkey = ws.path("coop.vkey")
        try SigningKeyFile.writeVerifier(try SigningKeyFile.load(ws.key).verifier, to: vkey)

        // The hold is in the signed grading entry itself, for exactly the lots grade held.
        // Only the hold threshold differs from the bundled policy, so the grades are the expectation's.
        let ledger = try ws.openLedger()
        var heldLots = Set<String>()
        for entry in try ledger.entries(type: .grading) {
            guard case .grading(let grading) = try entry.record() else { continue }
            if grading.held { heldLots.insert(grading.lotCode) }
            #expect(grading.holdReason == (grading.held ? .lotGradeUncertain : nil))
            let confidence = try #require(grading.lotConfidenceBP, "\(grading.lotCode) records the policy's confidence in its grade")
            #expect(grading.held == (confidence < 9000), "\(grading.lotCode): \(confidence) bp under a policy holding below 9000")
            #expect(expectedLots.contains { $0["lot"] as? String == grading.lotCode && $0["grade"] as? String == grading.lotGrade }, "\(grading.lotCode)")
        }
        #expect(heldLots.count < expectedLots.count, "a cautious policy still releases the surest lots")
        let lot = try #require(heldLots.sorted().first, "the cautious policy holds no lot of the sample")
        let gradingEntry = try #require(try ledger.entries(lotCode: lot).last { $0.type == "grading" })
        guard case .grading(let grading) = try gradingEntry.record() else { Issue.record("not a grading"); return }

        let out = ws.path("labels")
        let label = try AgriTraceBinary.run(["label", lot, "--ledger", ws.ledger, "--key", ws.key, "--out", out])
        #expect(label.status == 0, "\(label.stderr)")
        #expect(label.stdout.contains("mm): HELD FOR REVIEW, QR "), "\(label.stdout)")
        let verified = try AgriTraceBinary.run(["verify-label", out + "/\(lot).proof", "--vkey", vkey, "--lot", lot])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.hasPrefix("VERIFIED: lot \(lot) is HELD FOR REVIEW"), "\(verified.stdout)")
        #expect(!verified.stdout.contains("current grade"))

        let trace = try AgriTraceBinary.run(["trace", lot, "--ledger", ws.ledger])
        #expect(trace.stdout.contains("lot grade \(grading.lotGrade), HELD FOR REVIEW"), "\(trace.stdout)")
        let percent = "\(Int((Double(try #require(grading.lotConfidenceBP)) / 100).rounded()))%"
        #expect(trace.stdout.contains("the grading was only \(percent) sure of the lot's grade"), "\(trace.stdout)")

        func dispositions() throws -> [String: String] {
            let events = ws.path("events.jsonld")
            try? FileManager.default.removeItem(atPath: events)
            let export = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--out", events])
            #expect(export.status == 0, "\(export.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: events))) as? [String: Any])
            let list = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
            var byLot: [String: String] = [:]
            for event in list {
                let uri = try #require((event["quantityList"] as? [[String: Any]])?.first?["epcClass"] as? String)
                let code = try #require(uri.split(separator: "/").last.map(String.init)?.removingPercentEncoding)
                byLot[code.hasPrefix("urn:") ? String(code.split(separator: ":").last!) : code] = event["disposition"] as? String
            }
            return byLot
        }
        let before = try dispositions()
        #expect(before.count == expectedLots.count)
        for (code, disposition) in before where heldLots.contains(code) { #expect(disposition == "non_conformant", "\(code)") }

        let report = ws.path("report.html")
        #expect(try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--vkey", vkey, "--out", report]).status == 0)
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("held for review"))

        // A reviewer decides the grade: the hold is released on the new label and in the export.
        try Ledger(provenanceAt: ws.ledger).append([.correction(CorrectionRecord(corrects: gradingEntry.seq, correctsLeafHash: gradingEntry.leafHash.hex,
                                                        reason: "reviewed by hand", lotCode: lot,
                                                        changes: ["lot_grade": .string(grading.lotGrade)]))],
                          signer: try SigningKeyFile.load(ws.key))
        let relabel = try AgriTraceBinary.run(["label", lot, "--ledger", ws.ledger, "--key", ws.key, "--out", out, "--replace"])
        #expect(relabel.status == 0 && relabel.stdout.contains("grade \(grading.lotGrade),"), "\(relabel.stdout)\(relabel.stderr)")
        let released = try AgriTraceBinary.run(["verify-label", out + "/\(lot).proof", "--vkey", vkey])
        #expect(released.stdout.hasPrefix("VERIFIED: lot \(lot), grade \(grading.lotGrade) as of"), "\(released.stdout)")
        #expect(try dispositions()[lot] == (grading.lotGrade == "Reject" ? "non_conformant" : "conformant"))
    }
}
