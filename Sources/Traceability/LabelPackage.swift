import Imaging
import LedgerStore
import MerkleLog

/// Everything printed or handed out for one lot: the label image and the buyer's proof files.
public struct LabelPackage: Sendable {
    public let lotCode: String
    public let content: LabelContent
    public let label: RenderedLabel
    public let png: [UInt8]
    /// C2SP tlog-proof@v1 of the lot's latest grading entry (its grade, photos, model).
    public let gradingProof: String
    /// C2SP tlog-proof@v1 of the lot entry (origin code, farm, harvest date), which the grading
    /// entry does not repeat; a buyer checking the origin printed on the box needs it too.
    public let lotProof: String
    public let gradingSeq: Int
    public let lotSeq: Int
    public let checkpoint: Checkpoint
    /// Whether a checkpoint had to be signed to cover the grading.
    public let signedNewCheckpoint: Bool
    /// Later corrections of the lot or grading entry. The proofs and the label show the entries
    /// as signed; a correction is a separate entry the buyer sees with `trace`.
    public let corrections: [Recorded<CorrectionRecord>]

    /// File name (without extension) in the output folder: `LabelFileName.encode(lotCode)`.
    public var baseFileName: String { LabelFileName.encode(lotCode) }

    /// Builds the package for `lotCode` from its lot entry and latest grading. Proofs use the
    /// latest stored checkpoint covering the grading; when none does and `signer` is given, one
    /// checkpoint is signed (and stored) first, so both proofs share it.
    public static func make(lotCode: String, ledger: Ledger, signer: NoteSigner?) throws -> LabelPackage {
        guard let lotEntry = try ledger.lotRegistration(lotCode), case .lot(let lot) = lotEntry.body else {
            throw LabelError.unknownLot(lotCode)
        }
        let lotEntries = try ledger.entries(lotCode: lotCode)
        let gradings = lotEntries.compactMap { entry -> (LedgerEntry, GradingRecord)? in
            if case .grading(let grading) = entry.body { return (entry, grading) }
            return nil
        }
        guard let (gradingEntry, grading) = gradings.last else { throw LabelError.notGraded(lotCode) }
        let corrections = lotEntries.compactMap { entry -> Recorded<CorrectionRecord>? in
            guard case .correction(let correction) = entry.body,
                  [lotEntry.seq, gradingEntry.seq].contains(correction.corrects) else { return nil }
            return Recorded(entry: entry, record: correction)
        }

        var signedNew = false
        if try ledger.latestCheckpoint(covering: gradingEntry.seq) == nil {
            guard let signer else { throw LabelError.noCheckpoint(lotCode: lotCode, seq: gradingEntry.seq) }
            try ledger.signCheckpoint(signer: signer)
            signedNew = true
        }
        let gradingProof = try ledger.proof(seq: gradingEntry.seq)
        let lotProof = try ledger.proof(seq: lotEntry.seq)
        let checkpoint = try Checkpoint(text: try SignedNote(parsing: gradingProof.signedCheckpoint).text)

        let content = LabelContent(uri: lot.identifier.uri, lotCode: lot.lotCode, originCode: lot.originCode,
                                   crop: lot.crop, harvestDate: lot.harvestDate, grade: grading.lotGrade)
        let label = try LabelRenderer.render(content)
        return LabelPackage(lotCode: lotCode, content: content, label: label,
                            png: try PNGEncoder.encode(label.canvas.image),
                            gradingProof: gradingProof.serialized, lotProof: lotProof.serialized,
                            gradingSeq: gradingEntry.seq, lotSeq: lotEntry.seq, checkpoint: checkpoint,
                            signedNewCheckpoint: signedNew, corrections: corrections)
    }
}
