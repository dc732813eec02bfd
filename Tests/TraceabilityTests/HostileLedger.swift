import Foundation
import LedgerStore
import Provenance
import MerkleLog
import Traceability

/// A ledger whose every free-text field carries markup, as a hostile upload manifest could
/// record it: `<` after a prepended mark (U+0600), `>` before a combining accent (U+0301),
/// quotes next to ZWJ and variation selectors, an `onerror` handler, remote loads and a style
/// sheet that would hide the report's failure banner.
enum HostileLedger {
    /// Markup that, if it ever became live, writes `data-pwned` into the page, loads from
    /// `http://127.0.0.1:<port>` and hides the verification banner.
    /// No quotes needed (an escaper that misses only `<` and `>` is enough to make it live):
    /// every `<` follows a prepended mark and every `>` precedes a combining or extending scalar.
    static func payload(port: Int) -> String {
        "\u{0600}<img src=x onerror=document.body.setAttribute(`data-pwned`,1)>\u{0301}"
            + "\u{0605}<img src=http://127.0.0.1:\(port)/img>\u{0301}"
            + "\u{0600}<style>\u{0301}{}.verdict{display:none}body{background:url(http://127.0.0.1:\(port)/css)}\u{0600}</style>\u{0301}"
            + "\u{0600}<link rel=stylesheet href=http://127.0.0.1:\(port)/link>\u{FE0F}"
            + "'\u{200D}\"\u{0300}\u{0600}<svg onload=document.body.setAttribute(`data-pwned`,2)>\u{0301}"
    }

    /// GS1 AI (10) allows `< > " ' & /` in lot codes.
    static let lotCode = "<b>'\"&L1</b>"

    @discardableResult
    static func build(at path: String, port: Int) throws -> Ledger {
        let text = payload(port: port)
        let signer = try NoteSigner(name: "coop.example/hostile", seed: [UInt8](repeating: 0x3C, count: 32))
        let ledger = try Ledger.createProvenance(at: path, signer: signer,
                                       clock: .fixed(millisecondsSinceEpoch: 1_794_362_400_000))
        try ledger.append([.origin(OriginRecord(originCode: "VN-HOSTILE-1", farmID: "F-1" + text, farmName: text,
                                                commune: text, district: text, province: text, crop: "tomato" + text))],
                          signer: signer)
        // Distribution keys must be printable ASCII: the same markup without the joining scalars.
        let asciiGrade = "Premium" + String(String.UnicodeScalarView(text.unicodeScalars.filter(\.isASCII)))
        let sha = String(repeating: "ab", count: 32)
        let photo = GradedPhoto(file: "p" + text + ".jpg", sha256: sha, classIndex: 0,
                                scoresBasisPoints: [9_000, 1_000], grade: asciiGrade, needsReview: true)
        try ledger.append([
            .lot(LotRecord(lotCode: lotCode, originCode: "VN-HOSTILE-1", farmID: "F-1" + text, cooperative: "C" + text,
                           crop: "tomato" + text, harvestDate: "2026-11-03", quantityGrams: 1_000, gtin: nil)),
            .grading(GradingRecord(lotCode: lotCode, model: sha, policy: sha, uploadDigest: nil,
                                   images: [.graded(photo), .unreadable(file: "q" + text, sha256: sha, reason: text)],
                                   lotGrade: "Premium" + text, distribution: [asciiGrade: 1], needsReview: 1)),
        ], signer: signer)
        guard let lot = try ledger.lotRegistration(lotCode) else { throw LabelError.unknownLot(lotCode) }
        try ledger.append([.correction(CorrectionRecord(corrects: lot.seq, correctsLeafHash: lot.leafHash.hex, reason: text,
                                                        lotCode: lotCode, changes: ["quantity_g": .integer(2_000)]))],
                          signer: signer)
        try ledger.signCheckpoint(signer: signer)
        return ledger
    }
}
