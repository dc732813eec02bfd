import LedgerStore
import MerkleLog
import Provenance

/// A lot's entries and its proof bundle, built one way for `label` and for the public server:
/// the lot entry, the registration of the origin it names now, every grading and correction of
/// the lot, and corrections of that registration.
public enum LotProof {
    /// Every entry of `lotCode`'s state, in seq order, in the tree of `size` entries (nil: the
    /// whole ledger now). Throws `LabelError` when the lot is unknown, not graded, or names an
    /// unregistered origin.
    public static func entries(lotCode: String, ledger: Ledger, upTo size: Int? = nil) throws -> [LedgerEntry] {
        let limit = size ?? Int.max
        guard let lotEntry = try ledger.lotRegistration(lotCode), lotEntry.seq < limit, case .lot(let signedLot) = try lotEntry.record() else {
            throw LabelError.unknownLot(lotCode)
        }
        let lotEntries = try ledger.entries(lotCode: lotCode).filter { $0.seq < limit }
        guard lotEntries.contains(where: { $0.type == RecordType.grading.rawValue }) else { throw LabelError.notGraded(lotCode) }
        // The origin the lot names now: a correction of the lot entry may have changed it.
        var originCode = signedLot.originCode
        for entry in lotEntries {
            if case .correction(let correction) = try? entry.record(), correction.corrects == lotEntry.seq,
               case .string(let code)? = correction.changes["origin_code"] { originCode = code }
        }
        guard let originEntry = try ledger.originRegistration(originCode), originEntry.seq < limit else {
            throw LabelError.originNotRegistered(lotCode: lotCode, originCode: originCode)
        }
        // Only corrections: an origin's code is also on every one of its lots and gradings.
        let originCorrections = try ledger.entries(type: RecordType.correction.rawValue,
                                                   withKey: IndexKey(IndexKeyName.originCode, originCode)).filter { entry in
            guard entry.seq < limit else { return false }
            if case .correction(let correction) = try? entry.record() { return correction.corrects == originEntry.seq && correction.lotCode == nil }
            return false
        }
        return (lotEntries + [originEntry] + originCorrections).sorted { $0.seq < $1.seq }
    }

    /// The bundle of `entries` (from `entries(lotCode:ledger:)`) under the stored checkpoint `checkpoint`,
    /// which must cover them all, with `signer`'s statement that these are all of the lot's entries.
    public static func bundle(lotCode: String, entries: [LedgerEntry], checkpoint stored: StoredCheckpoint,
                              ledger: Ledger, signer: NoteSigner) throws -> LabelBundle {
        let statement = try signedStatement(lotCode: lotCode, entries: entries, checkpoint: stored.checkpoint, ledger: ledger, signer: signer)
        return try bundle(entries: entries, checkpoint: stored, ledger: ledger, signedStatement: statement)
    }

    /// The bundle of `entries` under `stored` with a statement signed earlier (`LotStatements`).
    public static func bundle(entries: [LedgerEntry], checkpoint stored: StoredCheckpoint, ledger: Ledger,
                              signedStatement: String) throws -> LabelBundle {
        let size = stored.checkpoint.size
        precondition(entries.allSatisfy { $0.seq < size }, "the checkpoint must cover the lot's entries")
        let members = try entries.map { entry in
            LabelBundle.Member(seq: entry.seq, entry: entry.canonicalBytes,
                               inclusionProof: try ledger.inclusionProof(seq: entry.seq, treeSize: size))
        }
        return LabelBundle(members: members, signedCheckpoint: stored.signedNote, signedStatement: signedStatement)
    }

    /// `signer`'s statement that `entries` are all of `lotCode`'s entries under `checkpoint`.
    public static func signedStatement(lotCode: String, entries: [LedgerEntry], checkpoint: Checkpoint,
                                       ledger: Ledger, signer: NoteSigner) throws -> String {
        guard let newestCovered = try ledger.entry(seq: checkpoint.size - 1) else {
            throw LedgerError.entryNotFound(seq: checkpoint.size - 1, size: try ledger.size())
        }
        let statement = LabelBundle.Statement(origin: checkpoint.origin, treeSize: checkpoint.size, root: checkpoint.root,
                                              newestRecordedAt: newestCovered.recordedAt, lotCode: lotCode,
                                              members: entries.map { ($0.seq, $0.leafHash) })
        var note = try SignedNote(text: statement.text)
        note.sign(with: signer)
        return note.serialized
    }

    /// Whether `stored` is signed by `verifier`'s key (a bundle's checkpoint and statement come from one key).
    public static func isSigned(_ stored: StoredCheckpoint, by verifier: NoteVerifier) -> Bool {
        (try? SignedNote(parsing: stored.signedNote).verify(trusting: [verifier])) != nil
    }
}
