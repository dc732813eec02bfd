import Foundation
import LedgerStore
import MerkleLog
import Provenance
import TestSupport

/// A fresh provenance ledger in a temporary directory with a deterministic key and clock, shared by
/// the ledger store's and the provenance rules' tests (the store is exercised with the rule set it
/// serves; `OpaqueStoreTests` show it needs none of them).
public struct ProvenanceFixture {
    public let directory: TemporaryDirectory
    public let signer: NoteSigner
    public let ledger: Ledger
    public var path: String { ledger.path }

    public static let origin = "coop.example/mekong-ledger"
    public static let seed = [UInt8](repeating: 7, count: 32)
    public static let startTime: Int64 = 1_767_225_600_000   // 2026-01-01T00:00:00.000Z

    public init(clock: LedgerClock = .fixed(millisecondsSinceEpoch: ProvenanceFixture.startTime), seed: [UInt8] = ProvenanceFixture.seed) throws {
        signer = try NoteSigner(name: ProvenanceFixture.origin, seed: seed)
        let directory = try TemporaryDirectory(prefix: "ledger-test")
        self.directory = directory
        do {
            ledger = try Ledger.createProvenance(at: directory.url.appendingPathComponent("ledger.db").path, signer: signer, clock: clock)
        } catch {
            directory.remove()
            throw error
        }
    }

    public static func origin(_ code: String) -> ProvenanceRecord {
        .origin(OriginRecord(originCode: code, farmID: "farm-\(code)", farmName: "Nông trại Nguyễn Văn A",
                             commune: "Tân Phú", district: "Cai Lậy", province: "Tiền Giang", crop: "mango"))
    }

    public static func lot(_ code: String, origin: String, digest: String? = nil) -> ProvenanceRecord {
        .lot(LotRecord(lotCode: code, originCode: origin, farmID: "farm-\(origin)", cooperative: "coop-1", crop: "mango",
                       harvestDate: "2026-03-01", quantityGrams: 125_000, gtin: "09506000134352", uploadDigest: digest))
    }

    public static func grading(_ lot: String, digest: String? = nil, photos: Int = 3) -> ProvenanceRecord {
        let hex = String(repeating: "ab", count: 32)
        let images = (0..<photos).map { index in
            GradedImage.graded(GradedPhoto(file: "IMG_\(index).jpg", sha256: hex, classIndex: index % 10,
                                           scoresBasisPoints: [9000, 500, 500, 0, 0, 0, 0, 0, 0, 0], grade: "Premium"))
        } + [.unreadable(file: "broken.jpg", sha256: hex, reason: "Not a JPEG file")]
        return .grading(GradingRecord(lotCode: lot, model: hex, policy: String(repeating: "cd", count: 32), uploadDigest: digest,
                                      images: images, lotGrade: "Premium",
                                      distribution: ["Premium": photos, "Grade I": 0, "Grade II": 0, "Reject": 0], needsReview: 0))
    }

    public func remove() { directory.remove() }
}
