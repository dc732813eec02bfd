import LedgerStore
import MerkleLog

/// The buyer's offline check of a box's proof files, in plain language.
public struct LabelVerdict: Sendable {
    public let isValid: Bool
    /// One sentence: what the buyer can rely on, or why not.
    public let headline: String
    /// The facts proven (or the individual problems), one per line.
    public let details: [String]

    public init(isValid: Bool, headline: String, details: [String]) {
        self.isValid = isValid
        self.headline = headline
        self.details = details
    }

    public var text: String {
        ([headline] + details.map { "  - " + $0 }).joined(separator: "\n") + "\n"
    }

    /// What the box says, to compare with the signed entries.
    public struct Printed: Sendable {
        public var lotCode: String?
        public var originCode: String?
        public init(lotCode: String? = nil, originCode: String? = nil) {
            self.lotCode = lotCode
            self.originCode = originCode
        }
    }

    /// Checks each proof file (`ProofFile.verify`: Merkle inclusion, checkpoint signed by a
    /// trusted key, every given witness cosigned, entry signature), then that the entries are
    /// about one lot and match what is printed on the box. Never throws: every failure becomes
    /// a verdict naming the file and the reason.
    public static func check(proofs: [(name: String, text: String)], trustedKeys: [NoteVerifier],
                             witnesses: [NoteVerifier] = [], printed: Printed) -> LabelVerdict {
        var problems: [String] = []
        var lots: [(name: String, entry: LedgerEntry, lot: LotRecord)] = []
        var gradings: [(name: String, entry: LedgerEntry, grading: GradingRecord)] = []
        var checkpoints: [(name: String, checkpoint: Checkpoint, witnesses: [NoteVerifier])] = []
        for proof in proofs {
            do {
                let verified = try ProofFile.verify(proof.text, trustedKeys: trustedKeys, witnesses: witnesses,
                                                    requiredWitnesses: witnesses.count)
                checkpoints.append((proof.name, verified.checkpoint, verified.witnesses))
                switch verified.entry.body {
                case .lot(let lot): lots.append((proof.name, verified.entry, lot))
                case .grading(let grading): gradings.append((proof.name, verified.entry, grading))
                default: problems.append("\(proof.name) proves a \(verified.entry.type.rawValue) entry, not a lot or its grading")
                }
            } catch {
                problems.append("\(proof.name) does not check out: \(Self.explain(error)) (\(error))")
            }
        }
        guard problems.isEmpty else {
            return LabelVerdict(isValid: false, headline: "NOT VERIFIED: do not rely on this label.", details: problems)
        }

        return verdict(lots: lots, gradings: gradings, checkpoints: checkpoints, printed: printed)
    }

    /// What a proof failure means for a buyer, before the technical detail.
    static func explain(_ error: Error) -> String {
        switch error {
        case is MerkleError:
            return "the record or its proof was changed, so it is not the one in the cooperative's signed ledger"
        case NoteError.noVerifiedSignature, NoteError.invalidSignature, NoteError.witnessQuorum:
            return "the ledger state it refers to is not signed by the key you trust (or a required witness did not cosign it)"
        case NoteError.originMismatch:
            return "it comes from a different ledger"
        case is NoteError:
            return "the file is damaged or not a proof file"
        case ProofFileError.entrySignature:
            return "the record is not signed by the cooperative's key"
        default:
            return "the record inside is not valid"
        }
    }

    private static func verdict(lots: [(name: String, entry: LedgerEntry, lot: LotRecord)],
                                gradings: [(name: String, entry: LedgerEntry, grading: GradingRecord)],
                                checkpoints: [(name: String, checkpoint: Checkpoint, witnesses: [NoteVerifier])],
                                printed: Printed) -> LabelVerdict {
        var problems: [String] = []
        let lotCodes = Set(lots.map(\.lot.lotCode) + gradings.map(\.grading.lotCode))
        if lotCodes.count > 1 {
            problems.append("the proof files are about different lots: \(lotCodes.sorted().joined(separator: ", "))")
        }
        if let printedLot = printed.lotCode, let proven = lotCodes.first, printedLot != proven {
            problems.append("the box says lot \(printedLot), but the signed record is for lot \(proven)")
        }
        if let printedOrigin = printed.originCode {
            if let lot = lots.first?.lot {
                if lot.originCode != printedOrigin {
                    problems.append("the box says origin \(printedOrigin), but the signed lot record says \(lot.originCode)")
                }
            } else {
                problems.append("the origin cannot be checked: the grading proof does not name it; also give the lot's .lot.proof file")
            }
        }
        guard problems.isEmpty else {
            return LabelVerdict(isValid: false, headline: "NOT VERIFIED: the label does not match the signed records.",
                                details: problems)
        }

        var details: [String] = []
        if let lot = lots.first {
            let record = lot.lot
            details.append("lot \(record.lotCode) from origin \(record.originCode) (farm \(record.farmID)), \(record.crop), harvested \(record.harvestDate), cooperative \(record.cooperative) — entry #\(lot.entry.seq)")
        }
        if let grading = gradings.last {
            let record = grading.grading
            details.append("graded \(record.lotGrade) on \(grading.entry.recordedAt): \(record.images.count) photos (\(record.distributionText)), model \(record.model.prefix(16))…, policy \(record.policy.prefix(16))… — entry #\(grading.entry.seq)")
        }
        for checkpoint in checkpoints {
            var line = "\(checkpoint.name): included in the ledger \(checkpoint.checkpoint.origin) at tree size \(checkpoint.checkpoint.size), checkpoint signed by the cooperative's key"
            if !checkpoint.witnesses.isEmpty {
                line += " and cosigned by \(checkpoint.witnesses.map(\.name).joined(separator: ", "))"
            }
            details.append(line)
        }
        if printed.lotCode != nil || printed.originCode != nil {
            let matched = [printed.lotCode.map { "lot \($0)" }, printed.originCode.map { "origin \($0)" }].compactMap { $0 }
            details.append("the box's \(matched.joined(separator: " and ")) match the signed records")
        }
        let lotCode = lotCodes.first ?? "?"
        let grade = gradings.last.map { ", graded \($0.grading.lotGrade)" } ?? ""
        return LabelVerdict(isValid: true,
                            headline: "VERIFIED: lot \(lotCode)\(grade) is recorded in the cooperative's signed ledger exactly as shown.",
                            details: details)
    }
}
