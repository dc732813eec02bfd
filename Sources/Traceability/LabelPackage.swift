import Imaging
import LedgerStore
import Provenance
import MerkleLog

/// Everything printed or handed out for one lot: the label image and the buyer's proof bundle.
public struct LabelPackage: Sendable {
    public let lotCode: String
    public let content: LabelContent
    public let label: RenderedLabel
    public let png: [UInt8]
    /// The lot's state as of `checkpoint` (corrections applied), as printed on the label.
    public let state: LotState
    /// The proof bundle (`LabelBundle`) for that state, serialized.
    public let bundle: String
    public let checkpoint: Checkpoint
    /// Whether a checkpoint had to be signed to cover the lot's newest entry.
    public let signedNewCheckpoint: Bool

    /// File name (without extension) in the output folder: `LabelFileName.encode(lotCode)`.
    public var baseFileName: String { LabelFileName.encode(lotCode) }

    /// Builds the package for `lotCode` from every entry of the lot (lot, origin registration,
    /// gradings, corrections). The bundle uses the latest stored checkpoint when it covers all of
    /// them and is signed by `signer`'s key; otherwise `signer` signs a new checkpoint first. The
    /// same key signs the bundle's statement that these are all the lot's entries.
    public static func make(lotCode: String, ledger: Ledger, signer: NoteSigner) throws -> LabelPackage {
        guard let lotEntry = try ledger.lotRegistration(lotCode), case .lot(let signedLot) = try lotEntry.record() else {
            throw LabelError.unknownLot(lotCode)
        }
        let lotEntries = try ledger.entries(lotCode: lotCode)
        guard lotEntries.contains(where: { $0.type == RecordType.grading.rawValue }) else { throw LabelError.notGraded(lotCode) }
        // The origin the lot names now: a correction of the lot entry may have changed it.
        var originCode = signedLot.originCode
        for entry in lotEntries {
            if case .correction(let correction) = try? entry.record(), correction.corrects == lotEntry.seq,
               case .string(let code)? = correction.changes["origin_code"] { originCode = code }
        }
        guard let originEntry = try ledger.originRegistration(originCode) else {
            throw LabelError.originNotRegistered(lotCode: lotCode, originCode: originCode)
        }
        let originCorrections = try ledger.entries(originCode: originCode).filter { entry in
            if case .correction(let correction) = try? entry.record() { return correction.corrects == originEntry.seq && correction.lotCode == nil }
            return false
        }
        let entries = (lotEntries + [originEntry] + originCorrections).sorted { $0.seq < $1.seq }
        let state = try LotState(entries: entries)
        let newest = entries.last!.seq

        var signedNew = false
        var stored = try ledger.latestCheckpoint()
        let signedBySigner = stored.map { (try? SignedNote(parsing: $0.signedNote).verify(trusting: [signer.verifier])) != nil } ?? false
        if stored == nil || stored!.checkpoint.size <= newest || !signedBySigner {
            stored = try ledger.signCheckpoint(signer: signer)
            signedNew = true
        }
        let checkpoint = stored!.checkpoint
        let members = try entries.map { entry in
            LabelBundle.Member(seq: entry.seq, entry: entry.canonicalBytes,
                               inclusionProof: try ledger.inclusionProof(seq: entry.seq, treeSize: checkpoint.size))
        }
        guard let newestCovered = try ledger.entry(seq: checkpoint.size - 1) else {
            throw LedgerError.entryNotFound(seq: checkpoint.size - 1, size: try ledger.size())
        }
        let statement = LabelBundle.Statement(origin: checkpoint.origin, treeSize: checkpoint.size, root: checkpoint.root,
                                              newestRecordedAt: newestCovered.recordedAt, lotCode: lotCode,
                                              members: entries.map { ($0.seq, $0.leafHash) })
        var statementNote = try SignedNote(text: statement.text)
        statementNote.sign(with: signer)
        let bundle = LabelBundle(members: members, signedCheckpoint: stored!.signedNote, signedStatement: statementNote.serialized)

        let content = LabelContent(uri: state.lot.identifier.uri, lotCode: state.lot.lotCode, originCode: state.lot.originCode,
                                   crop: state.lot.crop, harvestDate: state.lot.harvestDate,
                                   grade: state.isHeld ? "HELD FOR REVIEW" : state.currentGrade ?? "not graded")
        let label = try LabelRenderer.render(content)
        return LabelPackage(lotCode: lotCode, content: content, label: label,
                            png: try PNGEncoder.encode(label.canvas.image), state: state,
                            bundle: bundle.serialized, checkpoint: checkpoint, signedNewCheckpoint: signedNew)
    }
}
