import Foundation
import Testing
import TestSupport
@testable import Grading

@Suite struct UploadDigestTests {
    func sampleLot() throws -> Lot {
        try UploadValidator.lots(of: try Upload(url: FixtureFiles.url("uploads/sample")))[0]
    }

    @Test func matchesTheDocumentedTextForm() throws {
        let lot = try sampleLot()
        let hashes = Dictionary(uniqueKeysWithValues: lot.photos.map { ($0.file, String(repeating: "0", count: 64)) })
        var text = "agritrace-upload-digest v1\nDT-LV-261103-01\n"
        for row in lot.photos.sorted(by: { $0.file < $1.file }) {
            text += [row.file, String(repeating: "0", count: 64), "VN-DTOR-0141", "F-LV-014", "cà chua", "2026-11-03",
                     "08936045120019", "850", "Hái sáng sớm, đã phân loại sơ bộ", "Nguyễn Văn Ba", "Tân Thành", "Lai Vung", "Đồng Tháp"]
                .joined(separator: "\t") + "\n"
        }
        #expect(UploadDigest.of(lot, photoHashes: hashes) == UploadDigest.sha256Hex(Data(text.utf8)))
    }

    @Test func ignoresRowOrderButNotContent() throws {
        let lot = try sampleLot()
        let hashes = Dictionary(uniqueKeysWithValues: lot.photos.map { ($0.file, UploadDigest.sha256Hex(Data($0.file.utf8))) })
        let reversed = Lot(rows: lot.photos.reversed())
        #expect(UploadDigest.of(reversed, photoHashes: hashes) == UploadDigest.of(lot, photoHashes: hashes))
        var changed = hashes
        changed[lot.photos[3].file] = String(repeating: "f", count: 64)
        #expect(UploadDigest.of(lot, photoHashes: changed) != UploadDigest.of(lot, photoHashes: hashes))
    }
}
