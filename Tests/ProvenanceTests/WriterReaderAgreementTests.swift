import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import ProvenanceTestSupport
import TestSupport

/// Whatever the ledger signs, its readers accept: the writer runs the reader's checks (one
/// validator, the same rules) before signing. Each reported way of signing an unreadable entry,
/// then the class: many generated hostile bodies, each either refused before signing or read
/// back, with `verify` intact at the end.
@Suite struct WriterReaderAgreementTests {
    static let hex = String(repeating: "ab", count: 32)

    static func photo(_ file: String, label: String? = nil, grade: String = "Premium") -> GradedImage {
        .graded(GradedPhoto(file: file, sha256: hex, classIndex: 1, label: label,
                            scoresBasisPoints: [100, 9000, 900, 0, 0, 0, 0, 0, 0, 0], grade: grade))
    }

    static func grading(_ lot: String, images: [GradedImage]) -> ProvenanceRecord {
        .grading(GradingRecord(lotCode: lot, model: hex, policy: hex, uploadDigest: nil, images: images, lotGrade: "Premium",
                               distribution: ["Premium": images.count], needsReview: 0))
    }

    /// Appending is refused with a rejected-entry error and leaves the ledger as it was, intact.
    static func expectRefused(_ records: [ProvenanceRecord], in fixture: ProvenanceFixture, mentioning: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try fixture.ledger.size()
        do {
            try fixture.ledger.append(records, signer: fixture.signer)
            Issue.record("appended what should be refused", sourceLocation: sourceLocation)
        } catch LedgerError.rejectedEntry(_, _, let reason) {
            #expect(reason.description.contains(mentioning), "\(reason)", sourceLocation: sourceLocation)
        }
        #expect(try fixture.ledger.size() == before, sourceLocation: sourceLocation)
        let report = try fixture.ledger.verify()
        #expect(report.isIntact, "\(report.failures)", sourceLocation: sourceLocation)
    }

    @Test func tabInFarmIDIsRefusedBeforeSigning() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try Self.expectRefused([.origin(OriginRecord(originCode: "O1", farmID: "farm\t17", crop: "tomato"))], in: fixture,
                               mentioning: "control character U+0009")
    }

    @Test func newlineInAPhotoNameIsRefusedBeforeSigning() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "O1")], signer: fixture.signer)
        try Self.expectRefused([Self.grading("L1", images: [Self.photo("farm/IMG_1.jpg\nIMG_2.jpg")])], in: fixture,
                               mentioning: "images[0].file")
    }

    @Test func aLotTooLargeForOneEntryIsRefusedBeforeSigningNamingTheLimit() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "O1")], signer: fixture.signer)
        let images = (0..<5200).map { Self.photo("nguyen-van-ba/IMG_20261103_\(100_000 + $0).jpg", label: "Tomato_healthy") }
        try Self.expectRefused([Self.grading("L1", images: images)], in: fixture, mentioning: "over the limit of \(EntryValidator.maxEntryBytes) bytes")
    }

    @Test func aWitnessKeyCannotStartALedger() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let witness = try NoteSigner(name: "witness.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 5, count: 32))
        let path = directory.url.appendingPathComponent("ledger.db").path
        #expect(throws: LedgerError.self) { try Ledger.createProvenance(at: path, signer: witness) }
        #expect(!FileManager.default.fileExists(atPath: path), "no unreadable ledger is left behind")
    }

    /// Strings that have broken writers and readers elsewhere.
    static let hostile: [String] = [
        "", "\0", "a\0b", "\t", "line\nbreak", "cr\r", "\u{7f}", "\u{85}", "\u{9f}", "\u{a0}", "\u{2028}", "\u{202e}rtl",
        "\u{301}", "\u{301}\u{301}a", "e\u{301}", "Nguye\u{0302}\u{0303}n", "\u{fffe}", "\u{feff}bom", "😀", "\u{1F1FB}\u{1F1F3}",
        "\"quoted\\", "</script><b>", "%2F..%00", String(repeating: "A", count: 20), String(repeating: "A", count: 21),
        String(repeating: "ễ", count: 4000), "LOT-1", "VN-DT-001", "2026-+1-05", "2026-02-29", "2024-02-29", "09506000134352",
    ]

    static let ordinary = ["tomato", "Nguyễn Văn Ba", "Đồng Tháp", "farm-17", "Premium", "Grade I", "IMG_1.jpg", "a/b c.jpg",
                           "2026-11-03", "LOT-7", "VN-DT-9", "1:2", "<ok>"]

    /// The class: hundreds of generated bodies mixing hostile strings into every field. Each is
    /// either refused before anything is signed, or stored and read back unchanged; the ledger
    /// verifies intact at the end.
    @Test func everythingTheWriterAcceptsTheReaderAccepts() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        var random = SeededGenerator(seed: 0x5eed_1ed9)
        // Mostly ordinary values, so whole records get through and the hostile one is the field under test.
        func pick() -> String {
            Int.random(in: 0..<8, using: &random) == 0 ? Self.hostile.randomElement(using: &random)! : Self.ordinary.randomElement(using: &random)!
        }
        func maybe() -> String? { Bool.random(using: &random) ? pick() : nil }
        var accepted = 0, refused = 0
        var origins = ["O-BASE"], lots = ["L-BASE"]
        try fixture.ledger.append([ProvenanceFixture.origin("O-BASE"), ProvenanceFixture.lot("L-BASE", origin: "O-BASE")],
                                  signer: fixture.signer)
        for round in 0..<600 {
            let record: ProvenanceRecord
            switch round % 4 {
            case 0:
                record = .origin(OriginRecord(originCode: Bool.random(using: &random) ? pick() : "O\(round)", farmID: pick(),
                                              farmName: maybe(), commune: maybe(), district: maybe(), province: maybe(),
                                              crop: pick(), areaSquareMetres: Bool.random(using: &random) ? Int.random(in: -5...5, using: &random) : nil))
            case 1:
                record = .lot(LotRecord(lotCode: Bool.random(using: &random) ? pick() : "L\(round)", originCode: origins.randomElement(using: &random)!,
                                        farmID: pick(), cooperative: pick(), crop: pick(), harvestDate: Bool.random(using: &random) ? pick() : "2026-11-03",
                                        quantityGrams: nil, gtin: maybe(), uploadDigest: nil))
            case 2:
                let images = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    Bool.random(using: &random) ? Self.photo(pick(), label: maybe(), grade: pick())
                        : .unreadable(file: pick(), sha256: Self.hex, reason: pick())
                }
                record = .grading(GradingRecord(lotCode: lots.randomElement(using: &random)!, model: Self.hex, policy: Self.hex,
                                                uploadDigest: nil, images: images, lotGrade: pick(),
                                                distribution: [pick(): 1], needsReview: 0, held: Bool.random(using: &random)))
            default:
                let size = try fixture.ledger.size()
                let target = try #require(try fixture.ledger.entry(seq: Int.random(in: 0..<size, using: &random)))
                record = .correction(CorrectionRecord(corrects: target.seq, correctsLeafHash: target.leafHash.hex, reason: pick(),
                                                      lotCode: nil, originCode: nil,
                                                      changes: [Bool.random(using: &random) ? "note" : "nested": .string(pick()),
                                                                "deep": .array([.object(["k": .string(pick())])])]))
            }
            do {
                let entry = try #require(try fixture.ledger.append([record], signer: fixture.signer).appended.first)
                accepted += 1
                let read = try LedgerEntry(canonicalBytes: entry.canonicalBytes)
                #expect(try read.record() == ProvenanceRecord(record.body.normalised()), "round \(round)")
                if case .origin(let origin) = record { origins.append(origin.originCode) }
                if case .lot(let lot) = record { lots.append(lot.lotCode) }
            } catch LedgerError.rejectedEntry {
                refused += 1
            }
        }
        // Both outcomes must occur, or the generator is not testing anything.
        #expect(accepted > 100 && refused > 100, "accepted \(accepted), refused \(refused)")
        let report = try fixture.ledger.verify()
        #expect(report.isIntact, "\(report.failures.prefix(3))")
        #expect(report.entriesChecked == accepted + 3)
    }
}
