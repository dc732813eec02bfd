import MerkleLog
import Localization

/// The signer keys a ledger's `key` entries have made active, replayed in `seq` order.
/// Shared by appends (who may sign next) and verification (who could sign then).
struct KeyRing {
    private(set) var active: [String: NoteVerifier] = [:]
    /// Every key ever added, for checking checkpoints when no trusted key is given.
    private(set) var everAdded: [NoteVerifier] = []
    /// The key of entry 0, the ledger's root of trust.
    private(set) var genesis: NoteVerifier?

    /// Checks that entry `seq` may be signed by `signer` and, for key entries, applies them.
    /// Returns a reason when a rule is broken.
    mutating func admit(seq: Int, body: EntryBody, signer: String) -> Message? {
        var key: KeyRecord?
        if body.type == KeyRecord.entryType {
            do { key = try KeyRecord(body) } catch { return .describing(error) }
        }
        if seq == 0 {
            guard let record = key, record.action == .add else {
                return Message("the first entry must be a key entry adding the ledger's signer")
            }
            let verifier = record.verifier
            guard LedgerEntry.signerID(verifier) == signer else { return Message("the first entry must be signed by the key it adds") }
            genesis = verifier
            active[signer] = verifier
            everAdded.append(verifier)
            return nil
        }
        guard active[signer] != nil else { return Message("signer {signer} is not an active key at this point", ["signer": .text("\(signer)")]) }
        guard let record = key else { return nil }
        let verifier = record.verifier
        let id = LedgerEntry.signerID(verifier)
        switch record.action {
        case .add:
            guard active[id] == nil else { return Message("key {id} is already active", ["id": .text("\(id)")]) }
            active[id] = verifier
            everAdded.append(verifier)
        case .retire:
            guard active[id] == verifier else { return Message("key {id} is not active, so it cannot be retired", ["id": .text("\(id)")]) }
            guard active.count > 1 else { return Message("cannot retire the last active key") }
            active[id] = nil
        }
        return nil
    }

    func verifier(for signer: String) -> NoteVerifier? { active[signer] }
}
