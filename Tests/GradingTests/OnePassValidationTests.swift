import Foundation
import Localization
import Testing
import TestSupport
@testable import Grading

/// Every problem of an upload in one report, in line order, the ledger's (unregistered origins,
/// lots already recorded) with the manifest's and the folder's; nothing recorded while any is left.
@Suite struct OnePassValidationTests {
    let policy = try! GradingPolicy.bundledDefault()

    func grader(_ ledger: MemoryLedger, register: Bool = false) -> BatchGrader {
        BatchGrader(classifier: ByteStatisticsClassifier(), policy: policy, ledger: ledger,
                    options: .init(jobs: 2, batchSize: 2, maxInFlight: 8, registerOrigins: register))
    }

    static let header = ["file", "lot_code", "origin_code", "farm_id", "crop", "harvest_date", "gtin", "notes"]
    static let goodRow = ["a/1.jpg", "L1", "O1", "F1", "x", "10/11/2026", "", "hái sớm; \"loại 1\", sạch"]

    /// A ledger where origin O1 (farm F1, crop x) is registered and lot L9 was recorded from
    /// `a/9.jpg` holding sample photo 4.
    func preparedLedger() throws -> MemoryLedger {
        let ledger = MemoryLedger()
        let first = try UploadFixture.with(photos: ["a/9.jpg": UploadFixture.samplePhoto4],
                                           manifest: "file,lot_code,origin_code,farm_id,crop,harvest_date\na/9.jpg,L9,O1,F1,x,2026-11-10\n")
        defer { first.remove() }
        _ = try grader(ledger, register: true).grade(try Upload(url: first.url))
        #expect(ledger.lots.map(\.lotCode) == ["L9"])
        return ledger
    }

    /// Manifest text as a spreadsheet writes it: fields quoted when they hold the separator or a
    /// quote, inner quotes doubled.
    static func csv(_ rows: [[String]], separator: String = ",", lineEnd: String = "\n", bom: Bool = false) -> String {
        let lines = rows.map { fields in
            fields.map { field in
                field.contains(separator) || field.contains("\"") ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: separator)
        }
        return (bom ? "\u{FEFF}" : "") + lines.joined(separator: lineEnd) + lineEnd
    }

    /// Grades an upload of `rows` (after the header and the good row 2) and `photos` (besides
    /// a/1.jpg) and returns the problems reported; checks nothing was recorded.
    func problems(rows: [[String]], photos: [String: String] = [:], separator: String = ",", lineEnd: String = "\n",
                  bom: Bool = false) throws -> [String] {
        let ledger = try preparedLedger()
        let sizeBefore = ledger.size
        let upload = try UploadFixture.with(
            photos: photos.merging(["a/1.jpg": UploadFixture.samplePhoto1]) { a, _ in a },
            manifest: Self.csv([Self.header, Self.goodRow] + rows, separator: separator, lineEnd: lineEnd, bom: bom))
        defer { upload.remove() }
        let error = try #require(throws: UploadValidationError.self) { try grader(ledger).grade(try Upload(url: upload.url)) }
        #expect(ledger.size == sizeBefore && ledger.lots.map(\.lotCode) == ["L9"], "something was recorded")
        #expect(error.description.contains("nothing was graded or recorded"))
        return error.problems.map(\.description)
    }

    static let notRegistered = "is not registered in the ledger (register it, or pass --register-origins)"
    static let recordedOtherwise = "is already recorded in the ledger with other photos or rows; record a correction instead of re-grading it"

    @Test(arguments: [
        ("field", [["a/2.jpg", "L2", "O1", "F1", "x", "2026-11-10", "12345", ""]], ["a/2.jpg": UploadFixture.samplePhoto2],
         "manifest.csv:3: gtin '12345' is not a GTIN-14 (14 digits with a valid GS1 check digit)"),
        ("no such day", [["a/2.jpg", "L2", "O1", "F1", "x", "31/02/2026", "", ""]], ["a/2.jpg": UploadFixture.samplePhoto2],
         "manifest.csv:3: harvest_date '31/02/2026': no such day, February 2026 has 28 days"),
        ("not a date", [["a/2.jpg", "L2", "O1", "F1", "x", "10/11", "", ""]], ["a/2.jpg": UploadFixture.samplePhoto2],
         "manifest.csv:3: harvest_date '10/11' is not a date; \(ManifestText.dateForms)"),
        ("missing photo", [["a/2.jpg", "L2", "O1", "F1", "x", "2026-11-10", "", ""]], [:],
         "manifest.csv:3: file 'a/2.jpg' is not in the upload"),
        ("extra photo", [], ["a/extra.jpg": UploadFixture.samplePhoto2],
         "a/extra.jpg: not listed in manifest.csv"),
        ("unregistered origin", [["a/2.jpg", "L2", "O-NEW", "F1", "x", "2026-11-10", "", ""]], ["a/2.jpg": UploadFixture.samplePhoto2],
         "manifest.csv:3: origin code O-NEW \(notRegistered)"),
        ("lot already recorded", [["a/9.jpg", "L9", "O1", "F1", "x", "2026-11-10", "", ""]], ["a/9.jpg": UploadFixture.samplePhoto5],
         "manifest.csv:3: lot L9 \(recordedOtherwise)"),
    ])
    func eachProblemKindAlone(kind: String, rows: [[String]], photos: [String: String], expected: String) throws {
        #expect(try problems(rows: rows, photos: photos) == [expected], "\(kind)")
    }

    /// Manifest, folder and ledger problems together: one report, in line order, whatever the
    /// separator, line ends and byte order mark.
    static let allTogether: [[String]] = [
        ["a/2.jpg", "L2", "O-NEW", "F1", "x", "31/02/2026", "", ""],        // 3: no such day; unregistered origin
        ["a/3.jpg", "L3", "O1", "F1", "x", "10/11", "12345", "a; b"],       // 4: not a date; bad GTIN
        ["a/missing.jpg", "L4", "O1", "F1", "x", "2026-11-10", "", ""],     // 5: photo missing
        ["a/9.jpg", "L9", "O1", "F1", "x", "2026-11-10", "", ""],           // 6: recorded from another photo
        ["a/4.jpg", "L5", "O-NEW2", "F1", "x", "2026-11-10", "", ""],       // 7: unregistered origin
    ]
    static let allTogetherExpected = [
        "manifest.csv:3: harvest_date '31/02/2026': no such day, February 2026 has 28 days",
        "manifest.csv:3: origin code O-NEW \(notRegistered)",
        "manifest.csv:4: harvest_date '10/11' is not a date; \(ManifestText.dateForms)",
        "manifest.csv:4: gtin '12345' is not a GTIN-14 (14 digits with a valid GS1 check digit)",
        "manifest.csv:5: file 'a/missing.jpg' is not in the upload",
        "manifest.csv:6: lot L9 \(recordedOtherwise)",
        "manifest.csv:7: origin code O-NEW2 \(notRegistered)",
        "a/extra.jpg: not listed in manifest.csv",
    ]

    @Test(arguments: [(",", "\n", false), (";", "\r\n", true), (";", "\n", false), (",", "\r\n", true)])
    func everyProblemInOneReportInLineOrder(separator: String, lineEnd: String, bom: Bool) throws {
        let photos = ["a/2.jpg": UploadFixture.samplePhoto2, "a/3.jpg": UploadFixture.samplePhoto3,
                      "a/9.jpg": UploadFixture.samplePhoto5, "a/4.jpg": UploadFixture.samplePhoto4,
                      "a/extra.jpg": UploadFixture.samplePhoto2]
        #expect(try problems(rows: Self.allTogether, photos: photos, separator: separator, lineEnd: lineEnd, bom: bom)
                == Self.allTogetherExpected)
    }

    /// The good rows of the combined file, alone, are recorded: the report above blocked only
    /// because of its problems, and the quoted field holding the separator arrives whole.
    @Test(arguments: [",", ";"])
    func theGoodRowAloneIsRecorded(separator: String) throws {
        let ledger = try preparedLedger()
        let upload = try UploadFixture.with(photos: ["a/1.jpg": UploadFixture.samplePhoto1],
                                            manifest: Self.csv([Self.header, Self.goodRow], separator: separator, lineEnd: "\r\n", bom: true))
        defer { upload.remove() }
        let summary = try grader(ledger).grade(try Upload(url: upload.url))
        #expect(summary.lots.map(\.lot) == ["L1"])
        #expect(ledger.lots.last?.harvestDate == "2026-11-10")
        let lots = try UploadValidator.lots(of: try Upload(url: upload.url))
        #expect(lots[0].notes == ["hái sớm; \"loại 1\", sạch"])
    }

    /// A manifest in another encoding is one problem, not one per field or per photo.
    @Test func aWindows1258ManifestIsOneProblem() throws {
        let upload = try UploadFixture.sample()
        defer { upload.remove() }
        try Data(contentsOf: FixtureFiles.url("manifests/excel-vi-csv-cp1258.csv")).write(to: upload.url.appendingPathComponent("manifest.csv"))
        let ledger = MemoryLedger()
        let error = try #require(throws: UploadValidationError.self) { try grader(ledger).grade(try Upload(url: upload.url)) }
        #expect(error.problems.count == 1)
        #expect(error.problems[0].description.hasPrefix("manifest.csv: is not UTF-8 text: it looks like Windows-1258 (Vietnamese)"))
        #expect(ledger.size == 0)
    }

    /// The same report in Vietnamese: every problem translated (the catalogue tests check every
    /// message has a translation; this checks the report is built from them), months by name.
    @Test func theReportInVietnamese() throws {
        let ledger = try preparedLedger()
        let photos = ["a/2.jpg": UploadFixture.samplePhoto2, "a/3.jpg": UploadFixture.samplePhoto3,
                      "a/9.jpg": UploadFixture.samplePhoto5, "a/4.jpg": UploadFixture.samplePhoto4,
                      "a/extra.jpg": UploadFixture.samplePhoto2]
        let upload = try UploadFixture.with(photos: photos.merging(["a/1.jpg": UploadFixture.samplePhoto1]) { a, _ in a },
                                            manifest: Self.csv([Self.header, Self.goodRow] + Self.allTogether, separator: ";"))
        defer { upload.remove() }
        let error = try #require(throws: UploadValidationError.self) { try grader(ledger).grade(try Upload(url: upload.url)) }
        let vietnamese = try Localizer.bundled(.vietnamese)
        #expect(error.problems.map { $0.rendered(by: vietnamese) } == [
            "manifest.csv:3: harvest_date '31/02/2026': không có ngày này, tháng 2 năm 2026 chỉ có 28 ngày",
            "manifest.csv:3: mã vùng trồng O-NEW chưa được đăng ký trong sổ cái (hãy đăng ký, hoặc dùng --register-origins)",
            "manifest.csv:4: harvest_date '10/11' không phải là ngày tháng; hãy viết YYYY-MM-DD hoặc DD/MM/YYYY (ngày trước tháng: ngày 10 tháng 11 năm 2026 là 2026-11-10 hoặc 10/11/2026)",
            "manifest.csv:4: gtin '12345' không phải là GTIN-14 (14 chữ số, chữ số kiểm tra GS1 hợp lệ)",
            "manifest.csv:5: tệp 'a/missing.jpg' không có trong bộ ảnh tải lên",
            "manifest.csv:6: lô L9 đã được ghi trong sổ cái với ảnh hoặc dòng khác; hãy ghi một mục đính chính thay vì phân hạng lại",
            "manifest.csv:7: mã vùng trồng O-NEW2 chưa được đăng ký trong sổ cái (hãy đăng ký, hoặc dùng --register-origins)",
            "a/extra.jpg: không được liệt kê trong manifest.csv",
        ])
        let encoding = UploadProblem(file: "manifest.csv", ManifestText.notUTF8(.windows1258)).rendered(by: vietnamese)
        #expect(encoding.hasPrefix("manifest.csv: không phải văn bản UTF-8: tệp có vẻ ở bảng mã Windows-1258 (tiếng Việt)"))
        #expect(encoding.contains("Tệp > Lưu Như > \"CSV UTF-8 (Phân cách bằng dấu phẩy) (*.csv)\""))
    }
}
