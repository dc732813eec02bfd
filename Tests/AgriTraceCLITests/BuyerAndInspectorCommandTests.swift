import Foundation
import LedgerStore
import Provenance
import MerkleLog
import Testing
import TestSupport

/// `trace`, `label`, `verify-label`, `export epcis` and `audit`, run as a buyer or inspector would,
/// on a ledger recorded from the sample upload (see `SampleLedger`).
@Suite struct BuyerAndInspectorCommandTests {
    struct Workspace {
        let directory: TemporaryDirectory
        var ledger: String { path("ledger.db") }
        var key: String { path("coop.key") }
        var vkey: String { path("coop.vkey") }
        func path(_ name: String) -> String { directory.url.appendingPathComponent(name).path }
    }

    private func workspace(checkpoint: Bool = true) throws -> Workspace {
        let workspace = Workspace(directory: try TemporaryDirectory())
        do {
            let (_, signer) = try SampleLedger.build(at: workspace.ledger, checkpoint: checkpoint)
            try SigningKeyFile.write(signer, to: workspace.key)
            try SigningKeyFile.writeVerifier(signer.verifier, to: workspace.vkey)
            return workspace
        } catch {
            workspace.directory.remove()
            throw error
        }
    }

    @Test func traceByLotURIAndOriginAndUnknown() throws {
        let ws = try workspace()
        defer { ws.directory.remove() }
        let lot = try AgriTraceBinary.run(["trace", "DT-LV-261103-02", "--ledger", ws.ledger])
        #expect(lot.status == 0, "\(lot.stderr)")
        #expect(lot.stdout.hasPrefix("Provenance of lot DT-LV-261103-02"))
        #expect(lot.stdout.contains("origin VN-DTOR-0157 registered"))
        #expect(lot.stdout.contains("correction of entry"))
        #expect(lot.stdout.contains("Latest checkpoint covering these entries"))

        let uri = try AgriTraceBinary.run(["trace", "https://id.gs1.org/01/08936045120019/10/DT-LV-261105-03", "--ledger", ws.ledger, "--json"])
        #expect(uri.status == 0, "\(uri.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(uri.stdout.utf8)) as? [String: Any])
        #expect(json["code"] as? String == "DT-LV-261105-03")
        #expect((json["entries"] as? [[String: Any]])?.map { $0["type"] as? String } == ["origin", "lot", "grading"])
        // The lot's EPC class URI (GS1 Tag Data Standard) names the same lot.
        let lgtin = try AgriTraceBinary.run(["trace", "urn:epc:class:lgtin:8936045.012001.DT-LV-261105-03", "--ledger", ws.ledger, "--json"])
        #expect(lgtin.status == 0, "\(lgtin.stderr)")
        let lgtinJSON = try #require(try JSONSerialization.jsonObject(with: Data(lgtin.stdout.utf8)) as? [String: Any])
        #expect(lgtinJSON["code"] as? String == "DT-LV-261105-03")
        #expect((lgtinJSON["entries"] as? [[String: Any]])?.map { $0["seq"] as? Int } == (json["entries"] as? [[String: Any]])?.map { $0["seq"] as? Int })

        let origin = try AgriTraceBinary.run(["trace", "VN-DTOR-0141", "--ledger", ws.ledger])
        #expect(origin.status == 0 && origin.stdout.contains("DT-LV-261103-01") && origin.stdout.contains("DT-LV-261105-03"))

        let unknown = try AgriTraceBinary.run(["trace", "DT-XX-000000-00", "--ledger", ws.ledger])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no record for \"DT-XX-000000-00\""))

        let missing = try AgriTraceBinary.run(["trace", "DT-LV-261103-02", "--ledger", ws.path("nope.db")])
        #expect(missing.status == 2 && missing.stderr.contains("nope.db: not found"))
    }

    @Test func labelSizeChoosesTheStockAt300DPI() throws {
        let ws = try workspace()
        defer { ws.directory.remove() }
        // Width and height from the PNG's IHDR chunk (big-endian, bytes 16-23).
        func pixelSize(_ path: String) throws -> (Int, Int) {
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let number = { (at: Int) in bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            return (number(16), number(20))
        }
        for (size, pixels, language) in [("50x30", (591, 354), "vi"), ("100x60", (1181, 709), "en")] {
            let out = ws.path("labels-" + size)
            let label = try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", out,
                                                 "--size", size, "--lang", language])
            #expect(label.status == 0, "\(label.stderr)")
            #expect(label.stdout.contains("(\(size) mm)"))
            let png = out + "/DT-LV-261103-01.png"
            #expect(try pixelSize(png) == pixels)
            #expect(try QRCodeReader.decode(png) == "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01")
            // The words in the chosen language, the names with their diacritics; the grade by the
            // bundled policy's name for it in that language (Premium is "Hạng đặc biệt").
            let read = try TextRecognizer.read(png, language: "vie+eng").split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let expected = language == "vi" ? ["Nông hộ: Nguyễn Văn Ba", "Nông sản: cà chua", "Ngày thu hoạch: 03/11/2026", "Hạng: Hạng đặc biệt"]
                                            : ["Farm: Nguyễn Văn Ba", "Crop: cà chua", "Harvest: 2026-11-03", "Grade: Premium"]
            for text in expected { #expect(read.contains(text), "\(language) label lacks \"\(text)\"; OCR read: \(read)") }
        }
        let odd = try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("x"), "--size", "62x29"])
        #expect(odd.status == 2 && odd.stderr.contains("62x29"), "\(odd.stderr)")
    }

    @Test func labelThenVerifyGoodAndTamperedBundles() throws {
        let ws = try workspace()
        defer { ws.directory.remove() }
        let out = ws.path("labels")
        let label = try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", out])
        #expect(label.status == 0, "\(label.stderr)")
        #expect(!label.stdout.contains("Note:"), "a label of the sample lot fits without notes: \(label.stdout)")
        let png = out + "/DT-LV-261103-01.png", bundle = out + "/DT-LV-261103-01.proof"
        #expect(!FileManager.default.fileExists(atPath: out + "/DT-LV-261103-01.lot.proof"))
        #expect(try QRCodeReader.decode(png) == "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01")

        let good = try AgriTraceBinary.run(["verify-label", bundle, "--vkey", ws.vkey, "--lot", "DT-LV-261103-01", "--origin", "VN-DTOR-0141"])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.hasPrefix("VERIFIED: lot DT-LV-261103-01, grade Premium as of"))
        #expect(good.stdout.contains("not covered: anything recorded after"))

        let wrongOrigin = try AgriTraceBinary.run(["verify-label", bundle, "--vkey", ws.vkey, "--origin", "VN-DTOR-0157"])
        #expect(wrongOrigin.status == 3 && wrongOrigin.stdout.hasPrefix("NOT VERIFIED"))

        // Tamper: change one digit of the checkpoint's tree size line.
        var text = try String(contentsOfFile: bundle, encoding: .utf8)
        let checkpointStart = try #require(text.range(of: "\n\n"))
        let sizeLine = text[checkpointStart.upperBound...].split(separator: "\n")[1]
        let sizeRange = try #require(text.range(of: "\n" + sizeLine + "\n", range: checkpointStart.upperBound..<text.endIndex))
        text.replaceSubrange(sizeRange, with: "\n\(Int(sizeLine)! + 1)\n")
        let tampered = ws.path("tampered.proof")
        try text.write(toFile: tampered, atomically: true, encoding: .utf8)
        let bad = try AgriTraceBinary.run(["verify-label", tampered, "--vkey", ws.vkey, "--lot", "DT-LV-261103-01"])
        #expect(bad.status == 3, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.hasPrefix("NOT VERIFIED") && bad.stdout.contains("tampered.proof"))

        // Item 3 end to end: a correction to Reject; the label printed now shows it, and the old
        // bundle says which (older) ledger state it speaks for.
        let ledger = try Ledger(provenanceAt: ws.ledger)
        let grading = try #require(try ledger.entries(lotCode: "DT-LV-261103-01").last { $0.type == "grading" })
        try ledger.append([.correction(CorrectionRecord(corrects: grading.seq, correctsLeafHash: grading.leafHash.hex,
                                                        reason: "mould found", lotCode: "DT-LV-261103-01",
                                                        changes: ["lot_grade": .string("Reject")]))],
                          signer: try SigningKeyFile.load(ws.key))
        let relabel = try AgriTraceBinary.run(["label", "DT-LV-261103-01", "--ledger", ws.ledger, "--key", ws.key, "--out", out, "--replace"])
        #expect(relabel.status == 0 && relabel.stdout.contains("grade Reject") && relabel.stdout.contains("(signed now)"), "\(relabel.stderr)")
        let now = try AgriTraceBinary.run(["verify-label", bundle, "--vkey", ws.vkey])
        #expect(now.status == 0 && now.stdout.hasPrefix("VERIFIED: lot DT-LV-261103-01, grade Reject"), "\(now.stdout)")

        let missing = try AgriTraceBinary.run(["verify-label", ws.path("lost.proof"), "--vkey", ws.vkey])
        #expect(missing.status == 2 && missing.stderr.contains("lost.proof: not found"))
        let two = try AgriTraceBinary.run(["verify-label", bundle, tampered, "--vkey", ws.vkey])
        #expect(two.status == 2 && two.stderr.contains("one proof bundle"))
        let noKey = try AgriTraceBinary.run(["verify-label", bundle])
        #expect(noKey.status == 2)
        let badKey = try AgriTraceBinary.run(["verify-label", bundle, "--vkey", png])
        #expect(badKey.status == 2 && badKey.stderr.contains("DT-LV-261103-01.png"))
    }

    /// Reported: a correction of lot -02's grading naming lot -01 (or no lot) was signed, left out
    /// of -02's label bundle and broke -01's label for good. Now it is refused before signing, and
    /// the proper correction labels and verifies for both lots.
    @Test func aCorrectionNamingAnotherLotIsRefusedAndTheProperOneLabels() throws {
        let ws = try workspace()
        defer { ws.directory.remove() }
        let grading = try #require(try Ledger(provenanceAt: ws.ledger).entries(lotCode: "DT-LV-261103-02").last { $0.type == "grading" })
        func correction(lot: String?) -> String {
            #"{"type":"correction","corrects":\#(grading.seq),"corrects_leaf":"\#(grading.leafHash.hex)","reason":"mould found","#
                + (lot.map { #""lot_code":"\#($0)","# } ?? "") + #""changes":{"lot_grade":"Reject"}}"#
        }
        func append(_ json: String) throws -> CommandResult {
            try AgriTraceBinary.run(["ledger", "append", "--ledger", ws.ledger, "--key", ws.key], stdin: Data(json.utf8))
        }
        let other = try append(correction(lot: "DT-LV-261103-01"))
        #expect(other.status == 2 && other.stderr.contains("is about lot 'DT-LV-261103-02'"), "\(other.stderr)")
        let none = try append(correction(lot: nil))
        #expect(none.status == 2 && none.stderr.contains("must name lot_code 'DT-LV-261103-02'"), "\(none.stderr)")
        let proper = try append(correction(lot: "DT-LV-261103-02"))
        #expect(proper.status == 0, "\(proper.stderr)")
        #expect(try AgriTraceBinary.run(["ledger", "verify", "--ledger", ws.ledger]).status == 0)
        let out = ws.path("labels")
        for (lot, grade) in [("DT-LV-261103-01", "Premium"), ("DT-LV-261103-02", "Reject")] {
            let label = try AgriTraceBinary.run(["label", lot, "--ledger", ws.ledger, "--key", ws.key, "--out", out])
            #expect(label.status == 0, "\(lot): \(label.stderr)")
            let verified = try AgriTraceBinary.run(["verify-label", ws.path("labels/\(lot).proof"), "--vkey", ws.vkey])
            #expect(verified.status == 0 && verified.stdout.hasPrefix("VERIFIED: lot \(lot), grade \(grade) as of"), "\(verified.stdout)")
        }
    }

    @Test func labelSignsACheckpointOnlyWhenNeededAndRefusesUnknownLots() throws {
        let ws = try workspace(checkpoint: false)
        defer { ws.directory.remove() }
        let noKey = try AgriTraceBinary.run(["label", "DT-CT-261104-01", "--ledger", ws.ledger, "--out", ws.path("out")])
        #expect(noKey.status == 2 && noKey.stderr.contains("--key"))
        let signed = try AgriTraceBinary.run(["label", "DT-CT-261104-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("out")])
        #expect(signed.status == 0 && signed.stdout.contains("(signed now)"), "\(signed.stderr)")
        #expect(try QRCodeReader.decode(ws.path("out/DT-CT-261104-01.png")) == "urn:agritrace:lot:DT-CT-261104-01")
        // A second label of the same lot never overwrites the first silently.
        let proofBefore = try Data(contentsOf: URL(fileURLWithPath: ws.path("out/DT-CT-261104-01.proof")))
        let again = try AgriTraceBinary.run(["label", "DT-CT-261104-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("out")])
        #expect(again.status == 2 && again.stderr.contains("already exists") && again.stderr.contains("--replace"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.path("out/DT-CT-261104-01.proof"))) == proofBefore)
        let replaced = try AgriTraceBinary.run(["label", "DT-CT-261104-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("out"), "--replace"])
        #expect(replaced.status == 0 && !replaced.stdout.contains("(signed now)"), "\(replaced.stderr)")
        // A refused label signs nothing: after a new entry (a reviewer's decision), the refusal
        // leaves the checkpoint to the run that writes the label.
        let decided = try AgriTraceBinary.run(["review", "DT-CT-261104-01", "--grade", "Reject", "--reason", "dập", "--reviewer", "Trần Văn Nam",
                                               "--ledger", ws.ledger, "--key", ws.key])
        #expect(decided.status == 0, "\(decided.stderr)")
        let refused = try AgriTraceBinary.run(["label", "DT-CT-261104-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("out")])
        #expect(refused.status == 2 && refused.stderr.contains("already exists"), "\(refused.stderr)")
        let relabelled = try AgriTraceBinary.run(["label", "DT-CT-261104-01", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("out"), "--replace"])
        #expect(relabelled.status == 0 && relabelled.stdout.contains("(signed now)"), "\(relabelled.stdout) \(relabelled.stderr)")
        let unknown = try AgriTraceBinary.run(["label", "NOPE", "--ledger", ws.ledger, "--key", ws.key, "--out", ws.path("out")])
        #expect(unknown.status == 1 && unknown.stderr.contains("no lot \"NOPE\""))
    }

    @Test func exportEPCISWritesOneEventPerGrading() throws {
        let ws = try workspace()
        defer { ws.directory.remove() }
        let file = ws.path("events.jsonld")
        let result = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--out", file])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(document["type"] as? String == "EPCISDocument")
        let events = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        #expect(events.count == 5)
        #expect(events.allSatisfy { $0["bizStep"] as? String == "inspecting" })

        // With SOURCE_DATE_EPOCH the document is reproducible byte for byte.
        let fixed = ["SOURCE_DATE_EPOCH": "1794400000"]
        let again1 = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--out", "-"], environment: fixed)
        let again2 = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--out", "-"], environment: fixed)
        #expect(again1.stdout == again2.stdout && again1.stdout.contains("\"creationDate\": \"2026-11-11T12:26:40.000Z\""))

        let oneLot = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--lot", "DT-TM-261104-02", "--out", "-"])
        #expect(oneLot.status == 0 && oneLot.stdout.contains("non_conformant") && !oneLot.stdout.contains("DT-LV-261103-01"))
        let unknownLot = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--lot", "NOPE", "--out", file])
        #expect(unknownLot.status == 1 && unknownLot.stderr.contains("no lot \"NOPE\""))
        // --since reads dates as manifests do: DD/MM/YYYY is the same day as YYYY-MM-DD.
        let sinceISO = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--since", "2026-11-04", "--out", "-"], environment: fixed)
        let sinceVietnamese = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--since", "04/11/2026", "--out", "-"], environment: fixed)
        #expect(sinceISO.status == 0 && sinceVietnamese.status == 0 && sinceISO.stdout == sinceVietnamese.stdout)
        let monthFirst = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--since", "11/24/2026", "--out", "-"])
        #expect(monthFirst.status == 2 && monthFirst.stderr.contains("no such day") && monthFirst.stdout.isEmpty)
        let notADate = try AgriTraceBinary.run(["export", "epcis", "--ledger", ws.ledger, "--since", "yesterday", "--out", "-"])
        #expect(notADate.status == 2 && notADate.stderr.contains("is not a date") && notADate.stdout.isEmpty)
    }

    @Test func auditWritesTheReportAndFailsOnATamperedLedger() throws {
        let ws = try workspace()
        defer { ws.directory.remove() }
        let report = ws.path("report.html")
        let intact = try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--vkey", ws.vkey, "--out", report])
        #expect(intact.status == 0, "\(intact.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("The ledger is intact") && html.contains("<svg"))

        // Without --vkey the key check did not run: say so, never "pass".
        let unpinned = try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--out", report])
        #expect(unpinned.status == 0, "\(unpinned.stderr)")
        #expect(unpinned.stdout.contains("keys pinned by the inspector: skipped (no --vkey given"), "\(unpinned.stdout)")
        let unpinnedHTML = try String(contentsOfFile: report, encoding: .utf8)
        #expect(unpinnedHTML.contains("<td>keys pinned by the inspector</td><td class=\"muted\">skipped</td>"))

        // Change a lot's harvest date in place, as someone with the database file could.
        try SQLiteShell.tamper(ws.ledger, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"harvest_date\":\"2026-11-04\"', '\"harvest_date\":\"2026-11-09\"') AS BLOB) WHERE type = 'lot' AND seq IN (SELECT seq FROM entry_keys WHERE name = 'lot_code' AND value = 'DT-CT-261104-01');")
        let tampered = try AgriTraceBinary.run(["audit", "--ledger", ws.ledger, "--vkey", ws.vkey, "--out", report])
        #expect(tampered.status == 3)
        #expect(tampered.stdout.contains("FAILED verification"))
        let badHTML = try String(contentsOfFile: report, encoding: .utf8)
        let lotSeq = try #require(try Ledger(provenanceAt: ws.ledger, readOnly: true).entries(lotCode: "DT-CT-261104-01").first?.seq)
        #expect(badHTML.contains("First bad entry: <strong>#\(lotSeq)</strong>"))
    }

}
