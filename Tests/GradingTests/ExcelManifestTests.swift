import Foundation
import Testing
import TestSupport
@testable import Grading

/// The sample upload with its manifest as spreadsheets save it (`Fixtures/manifests/`): the
/// Vietnamese "CSV UTF-8" is read like the original; every other encoding gets one problem that
/// names the file, the likely encoding and Excel's menu words for saving it as CSV UTF-8.
@Suite struct ExcelManifestTests {
    private func sample(withManifest fixture: String) throws -> UploadFixture {
        let upload = try UploadFixture.sample()
        do {
            try Data(contentsOf: FixtureFiles.url("manifests/" + fixture)).write(to: upload.url.appendingPathComponent("manifest.csv"))
            return upload
        } catch {
            upload.remove()
            throw error
        }
    }

    @Test func vietnameseExcelCSVUTF8ReadsLikeTheOriginal() throws {
        let original = try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/sample")))
        let upload = try sample(withManifest: "excel-vi-csv-utf8.csv")
        defer { upload.remove() }
        let lots = try UploadValidator.lots(of: try Upload(url: upload.url))
        #expect(lots.count == original.count)
        for (lot, expected) in zip(lots, original) {
            #expect(lot.code == expected.code && lot.harvestDate == expected.harvestDate && lot.farmName == expected.farmName
                    && lot.gtin == expected.gtin && lot.quantityKg == expected.quantityKg
                    && lot.photos.map(\.file) == expected.photos.map(\.file), "\(lot.code)")
        }
        // The ';'-separated file's quoted field holding ';' and doubled quotes; a ',' unquoted.
        #expect(lots[3].notes == ["Trái bị nứt sau mưa; \"hàng dạt\""])
        #expect(lots[0].notes == ["Hái sáng sớm, đã phân loại sơ bộ"])
    }

    @Test(arguments: [
        ("excel-vi-csv-cp1258.csv", "it looks like Windows-1258 (Vietnamese)"),
        ("excel-en-csv-cp1252.csv", "it looks like Windows-1252 (Western European)"),
        ("excel-unicode-text-utf16le.txt", "it is UTF-16 (as its first two bytes say)"),
        ("utf16be-bom.csv", "it is UTF-16 (big-endian, as its first two bytes say)"),
    ])
    func otherEncodingsGetOneProblemSayingHowToSaveAsUTF8(fixture: String, guess: String) throws {
        let upload = try sample(withManifest: fixture)
        defer { upload.remove() }
        let error = try #require(throws: UploadValidationError.self) { try UploadValidator.lots(of: try Upload(url: upload.url)) }
        #expect(error.problems.count == 1, "\(error)")
        let problem = try #require(error.problems.first)
        #expect(problem.file == "manifest.csv" && problem.line == nil)
        #expect(problem.message.hasPrefix("is not UTF-8 text: \(guess)"), "\(problem.message)")
        #expect(problem.message.contains("File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\""))
        #expect(problem.message.contains("Tệp > Lưu Như > \"CSV UTF-8 (Phân cách bằng dấu phẩy) (*.csv)\""))
    }

    @Test func aTabSeparatedManifestIsToldSo() throws {
        let upload = try UploadFixture.with(photos: ["a.jpg": UploadFixture.samplePhoto1],
                                            manifest: "file\tlot_code\torigin_code\tfarm_id\tcrop\tharvest_date\r\na.jpg\tL1\tO1\tF1\tx\t2026-11-03\r\n")
        defer { upload.remove() }
        let error = try #require(throws: UploadValidationError.self) { try UploadValidator.lots(of: try Upload(url: upload.url)) }
        #expect(error.problems.map(\.description) == ["manifest.csv:1: \(ManifestText.tabSeparated)"])
    }

    @Test func quotingProblemsNameTheirColumn() {
        let text = "file;lot_code;origin_code;farm_id;crop;harvest_date;notes\r\na.jpg;L1;O1;F1;x;03/11/2026;say \"hi\"\r\n"
        var problems: [UploadProblem] = []
        _ = Manifest(data: Data(text.utf8), maxRows: 10, problems: &problems)
        #expect(problems.map(\.description) == [
            "manifest.csv:2: notes: a quote inside a field that does not start with one (quote the whole field and double inner quotes)",
        ])
    }
}
