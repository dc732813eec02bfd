import LedgerStore
import Localization
import MerkleLog

/// A quick look at the ledger when `serve` starts, so whoever starts it hears at once that rows
/// were changed after they were recorded (buyers' browsers would say NOT VERIFIED). A full check
/// (`ledger verify`: every entry's signature and hash) takes minutes on a million entries, so this
/// checks what is cheap and catches the usual edits: the latest checkpoint's signed root against
/// the stored tree of that size (a changed leaf or node hash), and the newest entries' stored leaf
/// hashes against their bytes (a changed entry whose hash was left alone).
public enum StartupCheck {
    /// How many of the newest entries have their leaf hashes recomputed (about 10 ms for 1,000).
    public static let recentEntries = 1_000

    /// What was found changed, or nil.
    public static func alteration(ledgerAt path: String, recentEntries: Int = recentEntries) throws -> Message? {
        let ledger = try Ledger(provenanceAt: path, readOnly: true)
        return try ledger.snapshot {
            let size = try ledger.size()
            if let latest = try ledger.latestCheckpoint(), latest.checkpoint.size <= size {
                let stored = try ledger.root(size: latest.checkpoint.size)
                if stored != latest.checkpoint.root {
                    return Message("the latest signed checkpoint ({size} entries) has root {signed}, but the stored tree of that size has root {stored}: stored hashes were changed after signing",
                                   ["size": .integer(latest.checkpoint.size), "signed": .text(latest.checkpoint.root.base64), "stored": .text(stored.base64)])
                }
            }
            let first = max(0, size - recentEntries)
            let bodies = try ledger.storedEntryBytes(seqs: first..<size)
            let hashes = try ledger.storedNodeHashes(level: 0, first: first, count: size - first)
            for (offset, (body, hash)) in zip(bodies, hashes).enumerated() where MerkleHasher.leafHash(body) != hash {
                return Message("entry #{seq}'s stored hash is not the hash of its bytes: the entry was changed after it was recorded",
                               ["seq": .text(String(first + offset))])
            }
            return nil
        }
    }
}
