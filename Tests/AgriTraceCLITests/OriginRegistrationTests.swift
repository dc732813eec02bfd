import Foundation
import LedgerStore
import Testing
import TestSupport

/// An origin code stands for one registered farm and crop: a lot from another farm or crop
/// cannot be recorded under it, with or without `--register-origins`.
@Suite struct OriginRegistrationTests {
    @Test func aLotFromAnotherFarmOrCropIsRefusedBeforeGrading() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let first = try ws.grade(FixtureFiles.url("uploads/sample").path, ["--register-origins", "--quiet"])
        #expect([0, 1].contains(first.status), "\(first.stderr)")
        let sizeBefore = try ws.openLedger().size()

        let photo = FixtureFiles.url("uploads/sample/nguyen-van-ba/IMG_20261103_4101.jpg")
        for (farm, crop) in [("F-XX-999", "cà chua"), ("F-LV-014", "xoài"), ("F-XX-999", "xoài")] {
            let upload = ws.path("upload-\(farm)-\(crop.unicodeScalars.count)")
            try FileManager.default.createDirectory(atPath: upload, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: photo, to: URL(fileURLWithPath: upload + "/a.jpg"))
            try Data("file,lot_code,origin_code,farm_id,crop,harvest_date\na.jpg,XX-OTHER-01,VN-DTOR-0141,\(farm),\(crop),2026-11-06\n".utf8)
                .write(to: URL(fileURLWithPath: upload + "/manifest.csv"))
            for extra in [[], ["--register-origins"]] {
                let result = try ws.grade(upload, extra + ["--quiet"])
                #expect(result.status == 2, "\(farm) \(crop) \(extra): \(result.stdout)\(result.stderr)")
                #expect(result.stderr.contains("origin VN-DTOR-0141 is registered"), "\(result.stderr)")
                #expect(result.stderr.contains(farm == "F-LV-014" ? "xoài" : "F-XX-999"), "\(result.stderr)")
            }
        }
        #expect(try ws.openLedger().size() == sizeBefore)
    }
}
