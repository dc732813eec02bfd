import MerkleLog
import Localization

/// The buyer's offline check of a `tlog-proof@v1` file produced by `Ledger.proof(seq:)`:
/// no database, only the cooperative's verifier key(s).
public enum ProofFile {
    public struct Verified: Sendable {
        public let entry: LedgerEntry
        public let checkpoint: Checkpoint
        /// Witnesses whose cosignatures verified.
        public let witnesses: [NoteVerifier]
    }

    /// Checks, in order: the file parses; it carries the entry (`extra`); the checkpoint is signed
    /// by a trusted key (and `origin` matches when given); at least `requiredWitnesses` trusted
    /// witnesses cosigned it; the entry is included in the checkpoint's tree at `index`; the
    /// entry's canonical bytes and its own signature by a trusted key are valid.
    public static func verify(_ text: String, trustedKeys: [NoteVerifier], origin: String? = nil,
                              witnesses: [NoteVerifier] = [], requiredWitnesses: Int = 0) throws -> Verified {
        let proof = try TlogProof(parsing: text)
        guard let extra = proof.extra else { throw ProofFileError.missingEntry }
        let leafHash = MerkleHasher.leafHash(extra)
        let checkpoint = try proof.verify(leafHash: leafHash, origin: origin, logKeys: trustedKeys,
                                          witnesses: witnesses, requiredWitnesses: requiredWitnesses)
        let entry: LedgerEntry
        do { entry = try LedgerEntry(canonicalBytes: extra) } catch { throw ProofFileError.badEntry(.describing(error)) }
        guard entry.seq == proof.index else { throw ProofFileError.indexMismatch(index: proof.index, seq: entry.seq) }
        guard trustedKeys.contains(where: { entry.hasValidSignature(by: $0) }) else {
            throw ProofFileError.entrySignature(signer: entry.signer)
        }
        let note = try SignedNote(parsing: proof.signedCheckpoint)
        let cosigners = try WitnessQuorum.cosigners(of: note, witnesses: witnesses, logKeys: trustedKeys)
        return Verified(entry: entry, checkpoint: checkpoint, witnesses: cosigners)
    }
}

/// Why a proof file is not acceptable, beyond signature and Merkle failures.
public enum ProofFileError: LocalizableError, Equatable {
    case missingEntry
    case badEntry(Message)
    case indexMismatch(index: Int, seq: Int)
    case entrySignature(signer: String)

    public var message: Message {
        switch self {
        case .missingEntry: return Message("the proof carries no entry (no 'extra' line)")
        case .badEntry(let reason): return Message("the entry in the proof is invalid: {reason}", ["reason": .message(reason)])
        case .indexMismatch(let index, let seq):
            return Message("the proof is for index {index} but the entry says seq {seq}", ["index": .text(String(index)), "seq": .text(String(seq))])
        case .entrySignature(let signer):
            return Message("the entry's signature by {signer} does not verify under a trusted key", ["signer": .text(signer)])
        }
    }
}
