import Crypto
import Foundation
import LedgerStore
import MerkleLog
import Provenance
import TestSupport

/// Builds a ledger from the sample upload (`Fixtures/uploads/sample/manifest.csv` and its photos)
/// through LedgerStore's API, as a cooperative's grading run would record it: one origin entry per
/// growing area, then per lot a lot entry and a grading entry, then one correction and a signed
/// checkpoint. Photo hashes are the real files' SHA-256; the classes per photo are the fixed plan
/// below (these tests are about tracing what the grader recorded, not about the grader), so the
/// ledger is identical on every run (fixed clock and key).
enum SampleLedger {
    static let keyName = "coop.example/dong-thap"
    static let cooperative = "HTX-DONGTHAP-01"
    /// 2026-11-11T02:00:00.000Z
    static let clock = LedgerClock.fixed(millisecondsSinceEpoch: 1_794_362_400_000)
    static let modelID = String(repeating: "ab", count: 32)
    static let policyID = String(repeating: "cd", count: 32)
    static let classGrades = ["Premium", "Premium", "Grade I", "Grade I", "Grade I",
                              "Grade II", "Grade II", "Grade II", "Reject", "Reject"]

    /// Per lot: the class of each photo in manifest order (-1 = unreadable), indices of photos
    /// below the confidence threshold, and the lot grade the policy gave.
    static let plan: [String: (classes: [Int], review: Set<Int>, lotGrade: String)] = [
        "DT-LV-261103-01": ([0, 0, 1, 0, 1, 0, 0, 1], [], "Premium"),
        "DT-LV-261103-02": ([2, 3, 0, 2, 4, 3, 2, 1], [], "Grade I"),
        "DT-CT-261104-01": ([5, 6, 2, 7, 5, 6, 5, 3], [3], "Grade II"),
        "DT-TM-261104-02": ([8, 9, 8, 6, 9, -1], [], "Reject"),
        "DT-LV-261105-03": ([0, 1, 0, 0, 2, 0, 1, 0, 0, 1], [], "Premium"),
    ]

    static func signer() throws -> NoteSigner {
        try NoteSigner(name: keyName, seed: [UInt8](repeating: 0x2A, count: 32))
    }

    struct Row {
        let file, lotCode, originCode, farmID, crop, harvestDate, gtin, quantityKg, farmName, commune, district: String
    }

    static func manifestRows() throws -> [Row] {
        let text = String(decoding: try FixtureFiles.data("uploads/sample/manifest.csv"), as: UTF8.self)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = splitCSV(lines.removeFirst().replacingOccurrences(of: "\u{FEFF}", with: ""))
        return lines.map { line in
            let fields = splitCSV(line)
            let value = { (name: String) in fields[header.firstIndex(of: name)!] }
            return Row(file: value("file"), lotCode: value("lot_code"), originCode: value("origin_code"),
                       farmID: value("farm_id"), crop: value("crop"), harvestDate: value("harvest_date"),
                       gtin: value("gtin"), quantityKg: value("quantity_kg"), farmName: value("farm_name"),
                       commune: value("commune"), district: value("district"))
        }
    }

    /// RFC 4180 fields of one line (the sample has quoted fields with commas, no embedded newlines).
    static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(field); field = "" }
            else { field.append(c) }
        }
        fields.append(field)
        return fields
    }

    /// Creates the ledger at `path` and returns it with the signer. `checkpoint: false` leaves
    /// the newest entries uncovered (for the label command's "sign one now" path).
    @discardableResult
    static func build(at path: String, checkpoint: Bool = true) throws -> (Ledger, NoteSigner) {
        let signer = try signer()
        let ledger = try Ledger.createProvenance(at: path, signer: signer, clock: clock)
        let rows = try manifestRows()
        var origins: [String] = []
        var lots: [String] = []
        for row in rows {
            if !origins.contains(row.originCode) { origins.append(row.originCode) }
            if !lots.contains(row.lotCode) { lots.append(row.lotCode) }
        }
        let originBodies = origins.map { code -> ProvenanceRecord in
            let row = rows.first { $0.originCode == code }!
            return .origin(OriginRecord(originCode: code, farmID: row.farmID, farmName: row.farmName, commune: row.commune,
                                        district: row.district, province: "Đồng Tháp", crop: row.crop))
        }
        try ledger.append(originBodies, signer: signer)
        for code in lots {
            let lotRows = rows.filter { $0.lotCode == code }
            let first = lotRows[0]
            let planned = plan[code]!
            var images: [GradedImage] = []
            // Every grade of the policy, as grading writes it (zeros included).
            var distribution = Dictionary(uniqueKeysWithValues: Set(classGrades).map { ($0, 0) })
            for (index, row) in lotRows.enumerated() {
                let bytes = try FixtureFiles.data("uploads/sample/" + row.file)
                let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
                let classIndex = planned.classes[index]
                if classIndex < 0 {
                    images.append(.unreadable(file: row.file, sha256: sha, reason: "Premature end of JPEG file"))
                    continue
                }
                var scores = [Int](repeating: 100, count: 10)
                scores[classIndex] = planned.review.contains(index) ? 4_600 : 9_100
                let grade = classGrades[classIndex]
                distribution[grade, default: 0] += 1
                images.append(.graded(GradedPhoto(file: row.file, sha256: sha, classIndex: classIndex,
                                                  scoresBasisPoints: scores, grade: grade,
                                                  needsReview: planned.review.contains(index))))
            }
            let lot = LotRecord(lotCode: code, originCode: first.originCode, farmID: first.farmID,
                                cooperative: cooperative, crop: first.crop, harvestDate: first.harvestDate,
                                quantityGrams: Int(first.quantityKg).map { $0 * 1000 },
                                gtin: first.gtin.isEmpty ? nil : first.gtin)
            let grading = GradingRecord(lotCode: code, model: modelID, policy: policyID, uploadDigest: nil,
                                        images: images, lotGrade: planned.lotGrade, distribution: distribution,
                                        needsReview: planned.review.count)
            try ledger.append([.lot(lot), .grading(grading)], signer: signer)
        }
        // The cooperative corrects the quantity of the second lot after weighing it again.
        if let lotEntry = try ledger.lotRegistration("DT-LV-261103-02") {
            try ledger.append([.correction(CorrectionRecord(
                corrects: lotEntry.seq, correctsLeafHash: lotEntry.leafHash.hex, reason: "reweighed at the cooperative",
                lotCode: "DT-LV-261103-02", changes: ["quantity_g": .integer(605_000)]))], signer: signer)
        }
        if checkpoint { try ledger.signCheckpoint(signer: signer) }
        return (ledger, signer)
    }
}
