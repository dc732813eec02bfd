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
    /// The QR code holds the lot's page on `baseURL` (`LotIdentifier.url(baseURL:)`) when given, else its URI.
    public static func make(lotCode: String, ledger: Ledger, signer: NoteSigner, baseURL: String? = nil,
                            stock: LabelStock = .large, words: LabelWords = .english) throws -> LabelPackage {
        let entries = try LotProof.entries(lotCode: lotCode, ledger: ledger)
        let state = try LotState(entries: entries)
        let newest = entries.last!.seq

        var signedNew = false
        var stored = try ledger.latestCheckpoint()
        if stored == nil || stored!.checkpoint.size <= newest || !LotProof.isSigned(stored!, by: signer.verifier) {
            stored = try LotStatements.signCheckpoint(ledger: ledger, signer: signer).checkpoint
            signedNew = true
        }
        let checkpoint = stored!.checkpoint
        let bundle = try LotProof.bundle(lotCode: lotCode, entries: entries, checkpoint: stored!, ledger: ledger, signer: signer)

        let content = LabelContent(qrPayload: baseURL.map { state.lot.identifier.url(baseURL: $0) } ?? state.lot.identifier.uri,
                                   cooperative: state.lot.cooperative, farmName: state.origin.farmName ?? state.lot.farmID,
                                   originCode: state.lot.originCode, lotCode: state.lot.lotCode, crop: state.lot.crop,
                                   harvestDate: state.lot.harvestDate, grade: state.currentGrade, isHeld: state.isHeld)
        let label = try LabelRenderer.render(content, stock: stock, words: words)
        return LabelPackage(lotCode: lotCode, content: content, label: label,
                            png: try PNGEncoder.encode(label.image), state: state,
                            bundle: bundle.serialized, checkpoint: checkpoint, signedNewCheckpoint: signedNew)
    }
}
