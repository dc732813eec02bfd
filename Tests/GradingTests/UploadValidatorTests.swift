import Foundation
import Provenance
import Testing
import TestSupport
@testable import Grading

@Suite struct UploadValidatorTests {
    @Test func theSampleUploadIsValidWithFiveLots() throws {
        let lots = try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/sample")))
        #expect(lots.map(\.code) == ["DT-LV-261103-01", "DT-LV-261103-02", "DT-CT-261104-01", "DT-TM-261104-02", "DT-LV-261105-03"])
        #expect(lots.map(\.photos.count) == [8, 8, 8, 6, 10])
        // NFD names in the manifest arrive NFC.
        let tran = lots[1]
        #expect(tran.farmName == "Trần Thị Hồng")
        #expect(tran.farmName.unicodeScalars.count == "Trần Thị Hồng".precomposedStringWithCanonicalMapping.unicodeScalars.count)
        #expect(lots[3].district == "Tháp Mười".precomposedStringWithCanonicalMapping)
        #expect(lots[0].notes == ["Hái sáng sớm, đã phân loại sơ bộ"])
        #expect(lots[0].gtin == "08936045120019")
    }

    @Test func aZipUploadGivesTheSameLotsAsItsFolder() throws {
        let lots = try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/good.zip")))
        #expect(lots.count == 1)
        #expect(lots[0].photos.map(\.file) == ["nguyen-van-ba/IMG_20261103_4101.jpg", "nguyen-van-ba/IMG_20261103_4102.jpg",
                                               "nguyen-van-ba/IMG_20261103_4103.jpg"])
    }

    /// An upload that is a pipe or a device is named as such at once: never read (a fifo nobody
    /// writes to would block for ever), never called "permission denied".
    @Test func anUploadThatIsNotARegularFileOrFolderIsRefusedAsSuch() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("upload.zip")
        try #require(mkfifo(fifo.path, 0o600) == 0)
        for url in [fifo, URL(fileURLWithPath: "/dev/null")] {
            let error = try #require(throws: UploadValidationError.self) { _ = try Upload(url: url) }
            #expect(error.description.contains("not a regular file (a device, pipe or socket)"), "\(url.path): \(error)")
        }
    }

    @Test func reportsEveryManifestProblemAtOnceWithLineNumbers() throws {
        let header = "file,lot_code,origin_code,farm_id,crop,harvest_date,gtin,quantity_kg\r\n"
        let rows = [
            "a/1.jpg,L1,VN-1,F1,cà chua,2026-11-03,,850",           // 2 fine
            "a/2.jpg,L1,VN-2,F1,cà chua,2026-11-03,,850",           // 3 origin disagrees
            "a/1.jpg,L1,VN-1,F1,cà chua,2026-11-03,,850",           // 4 duplicate
            "a/3.jpg,L2,VN-1,F1,cà chua,2026-02-30,,850",           // 5 bad date
            "a/missing.jpg,L2,VN-1,F1,cà chua,2026-02-28,,850",     // 6 unknown file
            "../escape.jpg,L3,VN-1,F1,cà chua,2026-11-03,,850",     // 7 escapes
            "a/4.jpg,L3,VN-1,F1,cà chua,2026-11-03,12345,850",      // 8 bad GTIN
            "a/4b.jpg,L 3,VN-1,,cà chua,2026-11-03,,-2",            // 9 bad lot, empty farm, bad quantity
            "a/5.jpg,L4,VN-1,F1,cà chua",                           // 10 too few fields
        ]
        let fixture = try UploadFixture.with(
            photos: ["a/1.jpg": UploadFixture.samplePhoto1, "a/2.jpg": UploadFixture.samplePhoto2,
                     "a/3.jpg": UploadFixture.samplePhoto3, "a/4.jpg": UploadFixture.samplePhoto4,
                     "a/unlisted.jpg": UploadFixture.samplePhoto5],
            manifest: header + rows.joined(separator: "\r\n") + "\r\n")
        defer { fixture.remove() }
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: fixture.url))
        }
        let located = error.problems.map { "\($0.file):\($0.line.map(String.init) ?? "-")" }
        // In line order, photos the manifest does not list last.
        #expect(located == [
            "manifest.csv:3", "manifest.csv:4", "manifest.csv:5", "manifest.csv:6", "manifest.csv:7", "manifest.csv:8",
            "manifest.csv:9", "manifest.csv:9", "manifest.csv:9", "manifest.csv:10", "a/unlisted.jpg:-",
        ])
        let text = error.description
        for expected in ["harvest_date '2026-02-30'", "path escapes the upload", "gtin '12345'", "lot_code 'L 3'",
                         "farm_id is empty", "quantity_kg '-2'", "5 fields, but the header has 8",
                         "listed twice (first on line 2)", "file 'a/missing.jpg' is not in the upload",
                         "not listed in manifest.csv", "origin_code 'VN-2' disagrees with 'VN-1' on line 2"] {
            #expect(text.contains(expected), "missing: \(expected)")
        }
    }

    @Test func reportsMissingAndUnknownColumns() throws {
        let fixture = try UploadFixture.with(photos: ["a.jpg": UploadFixture.samplePhoto1],
                                             manifest: "file,lot_code,farm,crop,harvest_date\na.jpg,L1,F1,x,2026-01-01\n")
        defer { fixture.remove() }
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: fixture.url))
        }
        #expect(error.problems.map(\.description) == [
            "manifest.csv:1: unknown column 'farm' (expected file,lot_code,origin_code,farm_id,crop,harvest_date,gtin,quantity_kg,notes,farm_name,commune,district,province)",
            "manifest.csv:1: missing required columns origin_code, farm_id",
        ])
    }

    @Test func aZipWithEscapingEntriesIsRefusedNamingEachOne() throws {
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/zip-slip.zip")))
        }
        #expect(error.problems.map(\.file) == ["../../etc/cron.d/evil.jpg", "/tmp/absolute.jpg",
                                               "nguyen-van-ba\\..\\..\\windows.jpg", "nguyen-van-ba/link.jpg"])
        #expect(error.problems[0].message == "path escapes the upload ('..')")
        #expect(error.problems[3].message.contains("symbolic links"))
    }

    @Test func aSymlinkInAFolderUploadIsRefused() throws {
        let fixture = try UploadFixture.with(photos: ["a.jpg": UploadFixture.samplePhoto1],
                                             manifest: "file,lot_code,origin_code,farm_id,crop,harvest_date\na.jpg,L1,O1,F1,x,2026-01-01\n")
        defer { fixture.remove() }
        try FileManager.default.createSymbolicLink(atPath: fixture.url.appendingPathComponent("b.jpg").path,
                                                   withDestinationPath: "/etc/passwd")
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: fixture.url))
        }
        #expect(error.problems.map(\.description) == ["b.jpg: symbolic links are not allowed in uploads"])
    }

    @Test func fileAndTotalSizeLimitsAreReported() throws {
        let limits = UploadLimits(maxFileBytes: 10_000, maxTotalBytes: 30_000)
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/sample"), limits: limits), limits: limits)
        }
        #expect(error.problems.contains { $0.file == "sample" && $0.message.contains("more than the limit of 30,000") })
        #expect(error.problems.contains { $0.message.contains("more than the limit of 10,000 per photo") })
    }

    /// A file the upload holds but refuses (a symbolic link, over the size limit, a name shared
    /// with another file) is one problem, for what it is: the manifest row naming it must not add
    /// a second, false "not in the upload". A file that really is missing still gets that line.
    @Test func aRefusedFileTheManifestListsIsReportedOnceForWhatItIs() throws {
        let manifest = "file,lot_code,origin_code,farm_id,crop,harvest_date\n"
            + ["link.jpg", "big.jpg", "Same.jpg", "gone.jpg"].map { "\($0),L1,O1,F1,x,2026-01-01\n" }.joined()
        let fixture = try UploadFixture.with(photos: [:], manifest: manifest)
        defer { fixture.remove() }
        try FileManager.default.createSymbolicLink(atPath: fixture.url.appendingPathComponent("link.jpg").path,
                                                   withDestinationPath: "/etc/passwd")
        try Data(count: 101).write(to: fixture.url.appendingPathComponent("big.jpg"))
        try Data([1]).write(to: fixture.url.appendingPathComponent("Same.jpg"))
        try Data([2]).write(to: fixture.url.appendingPathComponent("same.jpg"))
        let limits = UploadLimits(maxFileBytes: 100)
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: fixture.url, limits: limits), limits: limits)
        }
        let byFile = Dictionary(grouping: error.problems, by: { $0.line.map { "manifest.csv:\($0)" } ?? $0.file })
        #expect(byFile.keys.sorted() == ["big.jpg", "link.jpg", "manifest.csv:5", "same.jpg"], "\(error.problems)")
        #expect(byFile.values.allSatisfy { $0.count == 1 }, "\(error.problems)")
        #expect(byFile["manifest.csv:5"]?.first?.message == "file 'gone.jpg' is not in the upload")
        #expect(!error.description.contains("'link.jpg' is not in") && !error.description.contains("'big.jpg' is not in"))
    }

    /// A damaged manifest entry is reported as what the zip reader found, not as a bridged "error 1".
    @Test func aManifestTheZipCannotDeliverSaysWhy() throws {
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/lying-size.zip")))
        }
        let manifestProblems = error.problems.filter { $0.file == Upload.manifestName }
        #expect(manifestProblems.count == 1, "\(error.problems)")
        #expect(manifestProblems.allSatisfy { $0.message.contains("more than its declared") && !$0.message.contains("error 1") },
                "\(manifestProblems)")
    }

    @Test func aRefusedZipEntryTheManifestListsIsReportedOnce() throws {
        let directory = try TemporaryDirectory(prefix: "zip-refused")
        defer { directory.remove() }
        let manifest = "file,lot_code,origin_code,farm_id,crop,harvest_date\n"
            + ["big.jpg", "a/IMG.jpg", "gone.jpg"].map { "\($0),L1,O1,F1,x,2026-01-01\n" }.joined()
        // Everything under one folder, as "compress folder" makes: the refused names carry that prefix.
        let items: [ZipBuilder.Item] = [.init(name: "upload/manifest.csv", data: Array(manifest.utf8)),
                                        .init(name: "upload/big.jpg", data: [UInt8](repeating: 7, count: 1_001)),
                                        .init(name: "upload/a/IMG.jpg", data: [1]), .init(name: "upload/a/img.JPG", data: [2])]
        let url = directory.url.appendingPathComponent("upload.zip")
        try Data(ZipBuilder(items: items).build().bytes).write(to: url)
        let limits = UploadLimits(maxFileBytes: 1_000)
        let error = try #require(throws: UploadValidationError.self) {
            try UploadValidator.lots(of: try Upload(url: url, limits: limits), limits: limits)
        }
        let notInUpload = error.problems.filter { $0.message.contains("is not in the upload") }
        #expect(notInUpload.map(\.message) == ["file 'gone.jpg' is not in the upload"], "\(error.problems)")
        #expect(error.problems.count == 3, "\(error.problems)")
    }

    @Test func manifestNamesMatchFilesAcrossNFCAndNFD() throws {
        let nfdName = "ảnh-\u{0111}e\u{0323}p.jpg".decomposedStringWithCanonicalMapping
        let fixture = try UploadFixture.with(photos: [nfdName: UploadFixture.samplePhoto1],
                                             manifest: "file,lot_code,origin_code,farm_id,crop,harvest_date\n\(nfdName.precomposedStringWithCanonicalMapping),L1,O1,F1,x,2026-01-01\n")
        defer { fixture.remove() }
        let lots = try UploadValidator.lots(of: try Upload(url: fixture.url))
        #expect(lots.first?.photos.count == 1)
    }

    @Test func dateAndGTINRules() {
        #expect(Identifiers.isDate("2024-02-29"))
        #expect(!Identifiers.isDate("2026-02-29"))
        #expect(!Identifiers.isDate("2026-1-05"))
        #expect(!Identifiers.isDate("05/11/2026"))
        #expect(Identifiers.isGTIN14("08936045120019"))
        #expect(!Identifiers.isGTIN14("08936045120018"))
        #expect(Manifest.quantityGrams("850") == 850_000)
        #expect(Manifest.quantityGrams("0.25") == 250)
        #expect(Manifest.quantityGrams("1.2345") == nil)
        #expect(Manifest.quantityGrams("0") == nil)
    }
}
