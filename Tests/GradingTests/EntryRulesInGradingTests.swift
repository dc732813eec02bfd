import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import TestSupport
@testable import Grading

/// `grade` never signs an entry a reader refuses: the upload is held to the entries' rules up
/// front, and a lot the ledger still refuses before signing is reported while the rest records.
@Suite struct EntryRulesInGradingTests {
    @Test func controlCharactersInManifestTextAreRefusedUpFront() throws {
        let header = "file,lot_code,origin_code,farm_id,crop,harvest_date\n"
        let fixture = try UploadFixture.with(
            photos: ["a/1.jpg": UploadFixture.samplePhoto1, "a/2.jpg": UploadFixture.samplePhoto2],
            manifest: header + "a/1.jpg,L1,VN-1,\"farm\t17\",tomato,2026-11-03\n\"a/2\n.jpg\",L1,VN-1,farm 17,tomato,2026-11-03\n")
        defer { fixture.remove() }
        let error = try #require(throws: UploadValidationError.self) { try UploadValidator.lots(of: try Upload(url: fixture.url)) }
        #expect(error.description.contains("farm_id 'farm\\u{9}17': contains the control character U+0009"), "\(error)")
        #expect(error.description.contains("file 'a/2\\u{a}.jpg': contains the control character U+000A"), "\(error)")
    }

    /// A bidirectional override in a farm name (it reorders what `trace` and the audit report
    /// show) is refused up front, at its manifest line, as the ledger would refuse it.
    @Test func bidirectionalControlsInManifestTextAreRefusedAtTheirLine() throws {
        let header = "file,lot_code,origin_code,farm_id,crop,harvest_date,farm_name\n"
        let fixture = try UploadFixture.with(
            photos: ["a/1.jpg": UploadFixture.samplePhoto1, "a/2.jpg": UploadFixture.samplePhoto2],
            manifest: header + "a/1.jpg,L1,VN-1,farm-17,tomato,2026-11-03,Trại A\na/2.jpg,L1,VN-1,farm-17,tomato,2026-11-03,\"F1 (A\u{202E}(B\"\n")
        defer { fixture.remove() }
        let error = try #require(throws: UploadValidationError.self) { try UploadValidator.lots(of: try Upload(url: fixture.url)) }
        #expect(error.problems.contains { $0.line == 3 && $0.message.contains("farm_name 'F1 (A\\u{202e}(B'")
                                          && $0.message.contains("bidirectional formatting character U+202E") }, "\(error)")
    }

    /// A harvest date after tomorrow (UTC) is a typo, refused before anything is signed; today's
    /// and tomorrow's (another time zone's today) are accepted, in every accepted date form.
    @Test func harvestDatesInTheFutureAreRefused() {
        func problems(_ date: String) -> [String] {
            let row = Manifest.Row(line: 2, file: "a.jpg", lotCode: "L1", originCode: "O1", farmID: "f", crop: "c", harvestDate: date,
                                   gtin: "", quantityKg: "", notes: "", farmName: "", commune: "", district: "", province: "")
            var found: [String] = []
            Manifest.check(row, latestHarvestDate: "2026-12-07") { found.append($0.description) }
            return found
        }
        for accepted in ["2026-12-07", "2026-12-06", "06/12/2026", "2020-01-01"] { #expect(problems(accepted) == [], "\(accepted)") }
        for refused in ["2026-12-08", "08/12/2026", "2999-01-01", "2062-11-03"] {
            #expect(problems(refused).contains { $0.contains("is in the future") }, "\(refused): \(problems(refused))")
        }
        #expect(Manifest.latestHarvestDate(now: Date(timeIntervalSince1970: 1_796_515_200)) == "2026-12-07")
    }

    /// The manifest accepts exactly the identifiers the ledger accepts (one definition).
    @Test func manifestAndLedgerAgreeOnIdentifiers() {
        let candidates = ["L1", "A/B", ".", "..", "...", "LOT.1-x_y", "L 3", "LOT-ÄÖ", String(repeating: "A", count: 20), String(repeating: "A", count: 21),
                          "!\"%&'()*+,-./:;<=>?", "2026-+1-05", "2026-01-05", "2026-1-05", "+026-01-05", "1899-12-31", "2024-02-29",
                          "09506000134352", "09506000134353", "9506000134352", String(repeating: "O", count: 33),
                          String(repeating: "O", count: 64), String(repeating: "O", count: 65)]
        func problems(_ row: Manifest.Row) -> [String] {
            var found: [String] = []
            Manifest.check(row) { found.append($0.description) }
            return found
        }
        for text in candidates {
            let row = Manifest.Row(line: 2, file: "a.jpg", lotCode: text, originCode: text, farmID: "f", crop: "c", harvestDate: text,
                                   gtin: text, quantityKg: "", notes: "", farmName: "", commune: "", district: "", province: "")
            let reported = problems(row)
            #expect(reported.contains { $0.hasPrefix("lot_code") } == !Identifiers.isLotCode(text), "\(text)")
            #expect(reported.contains { $0.hasPrefix("origin_code") } == !Identifiers.isOriginCode(text), "\(text)")
            #expect(reported.contains { $0.hasPrefix("harvest_date") } == !Identifiers.isDate(text), "\(text)")
            #expect(reported.contains { $0.hasPrefix("gtin") } == !Identifiers.isGTIN14(text), "\(text)")
        }
        #expect(!Identifiers.isDate("2026-+1-05"))
    }

    /// One lot of 5,200 photos makes a grading entry over the 1 MiB entry limit: refused before
    /// signing with the limit named, while the upload's other lot is recorded and the ledger
    /// stays readable.
    @Test func aLotTooLargeForOneEntryIsRefusedAndTheBatchGoesOn() throws {
        let directory = try TemporaryDirectory(prefix: "big-lot")
        defer { directory.remove() }
        let upload = directory.url.appendingPathComponent("upload")
        try FileManager.default.createDirectory(at: upload.appendingPathComponent("farm"), withIntermediateDirectories: true)
        var manifest = "file,lot_code,origin_code,farm_id,crop,harvest_date\n"
        for index in 0..<5203 {
            let name = "farm/IMG_20261103_\(100_000 + index).jpg"
            // ByteStatisticsClassifier grades anything that starts like a JPEG.
            try Data([0xFF, 0xD8, 0xFF, UInt8(index % 251), UInt8(index % 13)]).write(to: upload.appendingPathComponent(name))
            manifest += "\(name),\(index < 5200 ? "BIG-1" : "SMALL-1"),VN-1,farm-1,tomato,2026-11-03\n"
        }
        try Data(manifest.utf8).write(to: upload.appendingPathComponent("manifest.csv"))
        let signer = try NoteSigner(name: "coop.example/ledger", seed: [UInt8](repeating: 9, count: 32))
        let ledger = try Ledger.createProvenance(at: directory.url.appendingPathComponent("ledger.db").path, signer: signer)
        let grader = BatchGrader(classifier: ByteStatisticsClassifier(), policy: try GradingPolicy.bundledDefault(),
                                 ledger: LedgerGradingStore(ledger: ledger, signer: signer),
                                 options: .init(jobs: 2, batchSize: 64, maxInFlight: 8, registerOrigins: true))
        let summary = try grader.grade(try Upload(url: upload))
        let big = try #require(summary.lots.first { $0.lot == "BIG-1" })
        #expect(big.status == .refused)
        #expect(big.refusal?.contains("over the limit of \(EntryValidator.maxEntryBytes) bytes") == true, "\(big.refusal ?? "")")
        #expect(summary.lots.first { $0.lot == "SMALL-1" }?.status == .recorded)
        #expect(!summary.isClean)
        #expect(summary.humanReport().contains("Refused, nothing recorded for lot BIG-1"))
        #expect(try !ledger.isLotRegistered("BIG-1"))
        #expect(try ledger.verify(trustedKeys: [signer.verifier]).isIntact)
    }

    /// A field too large for an entry is refused before grading, naming the manifest row and
    /// column, never as the ledger's "entry 0 (origin) rejected", and nothing is registered.
    @Test func aTooLargeFieldIsNamedByRowAndColumn() throws {
        let fixture = try UploadFixture.with(
            photos: ["a/1.jpg": UploadFixture.samplePhoto1],
            manifest: "file,lot_code,origin_code,farm_id,crop,harvest_date,farm_name\n"
                + "a/1.jpg,L1,VN-BIG,farm-1,tomato,2026-11-03,\(String(repeating: "a", count: 1_200_000))\n")
        defer { fixture.remove() }
        let directory = try TemporaryDirectory(prefix: "big-origin")
        defer { directory.remove() }
        let signer = try NoteSigner(name: "coop.example/ledger", seed: [UInt8](repeating: 9, count: 32))
        let ledger = try Ledger.createProvenance(at: directory.url.appendingPathComponent("ledger.db").path, signer: signer)
        let grader = BatchGrader(classifier: ByteStatisticsClassifier(), policy: try GradingPolicy.bundledDefault(),
                                 ledger: LedgerGradingStore(ledger: ledger, signer: signer),
                                 options: .init(jobs: 1, registerOrigins: true, cooperative: "coop-1"))
        let error = try #require(throws: UploadValidationError.self) { try grader.grade(try Upload(url: fixture.url)) }
        #expect(error.description.contains("manifest.csv:2: farm_name"), "\(error.description.prefix(300))")
        #expect(!error.description.contains("entry 0"), "\(error.description.prefix(300))")
        // The refused value is quoted briefly, not echoed whole.
        #expect(error.description.utf8.count < 400, "\(error.description.prefix(300))")
        #expect(error.description.contains("… (1200000 characters)"), "\(error.description.prefix(300))")
        #expect(try !ledger.isOriginRegistered("VN-BIG"))
    }

    /// A run whose only new lot was refused does not end with "Nothing new": it says the new lot was refused.
    @Test func aRefusedNewLotIsNotReportedAsNothingNew() {
        func lot(_ code: String, _ status: GradingSummary.LotSummary.Status) -> GradingSummary.LotSummary {
            GradingSummary.LotSummary(lot: code, farmID: "farm-1", originCode: "VN-1", status: status, photos: 1, grade: nil,
                                      distribution: [], needsReview: 0, unreadable: 0, held: false, uploadDigest: "00",
                                      lotSeq: nil, gradingSeq: nil, refusal: status == .refused ? "too large" : nil)
        }
        let summary = GradingSummary(upload: "u", model: "m", policy: "p", cooperative: "c",
                                     lots: [lot("OLD-1", .alreadyRecorded), lot("NEW-1", .refused)], photosGraded: 2, unreadable: [],
                                     ledger: .init(entriesWritten: 0, originsRegistered: 0, treeSize: 3),
                                     timings: .init(validateSeconds: 0, gradeSeconds: 0, totalSeconds: 0, photosPerSecond: 0))
        let report = summary.humanReport()
        #expect(!report.contains("Nothing new"), "\(report)")
        #expect(report.contains("Refused, nothing recorded for lot NEW-1: too large"), "\(report)")
        #expect(report.contains("Nothing recorded: the ledger refused every new lot"), "\(report)")
        #expect(report.contains("1 lot was already recorded and skipped."), "\(report)")
    }
}
