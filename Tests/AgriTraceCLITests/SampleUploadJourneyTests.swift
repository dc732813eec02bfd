import Foundation
import LedgerStore
import Localization
import Provenance
import Testing
import TestSupport

/// The whole journey on the sample upload, every step through the binary: the cooperative grades
/// it and signs a checkpoint, then prints a label; a buyer verifies it; an inspector traces,
/// exports and audits. Grades come from the deterministic tone model (`GradeTestSupport`).
@Suite struct SampleUploadJourneyTests {
    @Test func gradeThenLabelVerifyTraceExportAndAudit() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let graded = try ws.grade(FixtureFiles.url("uploads/sample").path, ["--register-origins", "--cooperative", "HTX-LAI-VUNG"])
        #expect([0, 1].contains(graded.status), "\(graded.stderr)")
        let checkpoint = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", ws.ledger, "--key", ws.key])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        let vkey = ws.path("coop.vkey")
        try SigningKeyFile.writeVerifier(try SigningKeyFile.load(ws.key).verifier, to: vkey)

        // What the grader recorded for one lot, read straight from the ledger.
        let ledger = try ws.openLedger()
        let gradingEntry = try #require(try ledger.entries(lotCode: "DT-LV-261103-01").last { $0.type == "grading" })
        guard case .grading(let grading) = try gradingEntry.record() else { Issue.record("not a grading"); return }

        let trace = try AgriTraceBinary.run(["trace", "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01", "--ledger", ws.ledger])
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.contains("#\(gradingEntry.seq)  \(Localizer.english.timestamp(gradingEntry.recordedAt))  grading of lot DT-LV-261103-01: lot grade \(grading.lotGrade)"))
        #expect(trace.stdout.contains("leaf hash \(gradingEntry.leafHash.hex)"))
        #expect(trace.stdout.contains("Nguyễn Văn Ba"))

        let out = ws.path("labels")
        let label = try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", out])
        #expect(label.status == 0, "\(label.stderr)")
        #expect(try QRCodeReader.decode(out + "/DT-LV-261103-01.png")
                == "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01")
        let bundle = out + "/DT-LV-261103-01.proof"
        let verified = try AgriTraceBinary.run(["verify-label", bundle, "--vkey", vkey, "--lot", "DT-LV-261103-01", "--origin", "VN-DTOR-0141"])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.hasPrefix(grading.held ? "VERIFIED: lot DT-LV-261103-01 is HELD FOR REVIEW, not graded: no grade may be claimed for it yet (the grading suggested \"\(grading.lotGrade)\")"
                                                       : "VERIFIED: lot DT-LV-261103-01, grade \(grading.lotGrade) as of"), "\(verified.stdout)")

        // A forged grade in the bundle's grading entry is caught.
        let text = try String(contentsOfFile: bundle, encoding: .utf8)
        let entryLine = try #require(text.split(separator: "\n").first { line in
            line.hasPrefix("entry ") && line.split(separator: " ").count == 3
                && String(decoding: Data(base64Encoded: String(line.split(separator: " ")[2])) ?? Data(), as: UTF8.self).contains("\"lot_grade\"")
        })
        let fields = entryLine.split(separator: " ")
        let original = String(decoding: try #require(Data(base64Encoded: String(fields[2]))), as: UTF8.self)
        let better = grading.lotGrade == "Premium" ? "Grade I" : "Premium"
        let forged = original.replacingOccurrences(of: "\"lot_grade\":\"\(grading.lotGrade)\"", with: "\"lot_grade\":\"\(better)\"")
        #expect(forged != original)
        let forgedFile = ws.path("forged.proof")
        try text.replacingOccurrences(of: String(entryLine), with: "entry \(fields[1]) " + Data(forged.utf8).base64EncodedString())
            .write(toFile: forgedFile, atomically: true, encoding: .utf8)
        let rejected = try AgriTraceBinary.run(["verify-label", forgedFile, "--vkey", vkey])
        #expect(rejected.status == 3 && rejected.stdout.hasPrefix("NOT VERIFIED"))

        let events = ws.path("events.jsonld")
        #expect(try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--out", events]).status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: events))) as? [String: Any])
        let eventList = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        #expect(eventList.count == (try ledger.entries(type: .grading)).count)
        // Nothing corrects these gradings: a lot is non-conformant when rejected or held.
        let sellable = try ledger.entries(type: .grading).compactMap { entry -> Bool? in
            if case .grading(let g) = try entry.record() { return g.lotGrade != "Reject" && !g.held }; return nil
        }
        #expect(eventList.map { $0["disposition"] as? String } == sellable.map { $0 ? "conformant" : "non_conformant" })

        let report = ws.path("report.html")
        let audit = try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--vkey", vkey, "--out", report])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("The ledger is intact"))
        for lot in ["DT-LV-261103-01", "DT-LV-261103-02", "DT-CT-261104-01", "DT-TM-261104-02", "DT-LV-261105-03"] {
            #expect(html.contains(lot))
        }
    }
}
