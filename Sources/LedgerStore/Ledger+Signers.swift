import MerkleLog

extension Ledger {
    /// Whether `verifier` may sign the next entry or checkpoint: a key entry admitted it and none
    /// retired it. Lets a command refuse a wrong key before it does any work (append and
    /// `signCheckpoint` check the same thing again inside their transaction).
    public func isActiveSigner(_ verifier: NoteVerifier) throws -> Bool {
        try run { try loadKeyRing().verifier(for: LedgerEntry.signerID(verifier)) != nil }
    }
}
