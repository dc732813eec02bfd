import MerkleLog
import Localization

/// A signed checkpoint kept in the ledger.
public struct StoredCheckpoint: Sendable {
    public let id: Int
    public let checkpoint: Checkpoint
    /// The signed note text (checkpoint plus signature lines, possibly cosignatures).
    public let signedNote: String
}

extension Ledger {
    /// Current tree size and root.
    public func treeHead() throws -> (size: Int, root: TreeHash) {
        try run {
            try db.readTransaction {
                let size = try self.size()
                return (size, try root(size: size))
            }
        }
    }

    /// MTH of the first `size` entries, from stored hashes.
    public func root(size: Int) throws -> TreeHash {
        try merkle { try MerkleTree.root(size: size, source: StoredHashes(db: db)) }
    }

    /// RFC 9162 inclusion proof of entry `seq` in the tree of `treeSize` entries.
    public func inclusionProof(seq: Int, treeSize: Int) throws -> [TreeHash] {
        let current = try size()
        guard treeSize <= current else { throw LedgerError.entryNotFound(seq: treeSize - 1, size: current) }
        return try merkle { try MerkleTree.inclusionProof(index: seq, size: treeSize, source: StoredHashes(db: db)) }
    }

    /// RFC 9162 consistency proof from the tree of `oldSize` entries to that of `newSize`.
    public func consistencyProof(oldSize: Int, newSize: Int) throws -> [TreeHash] {
        let current = try size()
        guard newSize <= current else { throw LedgerError.entryNotFound(seq: newSize - 1, size: current) }
        return try merkle { try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize, source: StoredHashes(db: db)) }
    }

    private func merkle<T>(_ body: () throws -> T) throws -> T {
        do { return try run(body) } catch let error as MerkleError { throw LedgerError.merkle(error) }
    }

    /// Signs a checkpoint of the current tree with an active signer key and stores it (or returns the
    /// stored one of the same tree that this key signed). Refuses when
    /// the stored hashes no longer reproduce the latest stored checkpoint: a log must never sign
    /// a tree inconsistent with one it signed before.
    @discardableResult
    public func signCheckpoint(signer: NoteSigner) throws -> StoredCheckpoint {
        try run {
            try db.immediateTransaction {
                let keys = try loadKeyRing()
                let signerID = LedgerEntry.signerID(signer.verifier)
                guard keys.verifier(for: signerID) != nil else { throw LedgerError.signerNotActive(signer: signerID) }
                let size = try self.size()
                let root = try self.root(size: size)
                let stored = try checkpoints()
                if let previous = stored.last {
                    let previousRoot = try self.root(size: previous.checkpoint.size)
                    guard previousRoot == previous.checkpoint.root else {
                        throw LedgerError.corruptEntry(seq: max(previous.checkpoint.size - 1, 0),
                            reason: Message("the stored tree no longer matches checkpoint {id} (size {size})", ["id": .text("\(previous.id)"), "size": .text("\(previous.checkpoint.size)")]))
                    }
                }
                let checkpoint = Checkpoint(origin: origin, size: size, root: root)
                let signed = try checkpoint.signed(by: signer)
                // Ed25519 is deterministic and a checkpoint carries no time: signing a tree already signed
                // would store the same note again. The newest stored one is returned instead, with any
                // cosignatures it gathered since.
                if let same = stored.last(where: { earlier in
                    earlier.checkpoint == checkpoint
                        && (try? SignedNote(parsing: earlier.signedNote))?.signatures.contains(signed.signatures[0]) == true
                }) {
                    return same
                }
                let note = signed.serialized
                let insert = try db.statement("INSERT INTO checkpoints (tree_size, root, note) VALUES (?, ?, ?)")
                try insert.bind(.integer(size), .blob(root.bytes), .text(note))
                try insert.run()
                let id = try db.singleInteger("SELECT last_insert_rowid()") ?? 0
                return StoredCheckpoint(id: id, checkpoint: checkpoint, signedNote: note)
            }
        }
    }

    /// Stores a checkpoint note that gained signatures elsewhere (a witness's cosignature). The
    /// note's checkpoint must match the stored tree.
    @discardableResult
    public func storeCosignedCheckpoint(_ signedNote: String) throws -> StoredCheckpoint {
        let note = try SignedNote(parsing: signedNote)
        let checkpoint = try Checkpoint(text: note.text)
        guard checkpoint.origin == origin else { throw NoteError.originMismatch(expected: origin, found: checkpoint.origin) }
        return try run {
            try db.immediateTransaction {
                guard checkpoint.size <= (try size()), try root(size: checkpoint.size) == checkpoint.root else {
                    throw LedgerError.merkle(.rootMismatch(expected: checkpoint.root, calculated: (try? root(size: checkpoint.size)) ?? .zero))
                }
                let insert = try db.statement("INSERT INTO checkpoints (tree_size, root, note) VALUES (?, ?, ?)")
                try insert.bind(.integer(checkpoint.size), .blob(checkpoint.root.bytes), .text(note.serialized))
                try insert.run()
                return StoredCheckpoint(id: try db.singleInteger("SELECT last_insert_rowid()") ?? 0,
                                        checkpoint: checkpoint, signedNote: note.serialized)
            }
        }
    }

    /// All stored checkpoints in the order they were stored.
    public func checkpoints() throws -> [StoredCheckpoint] {
        try run {
            let statement = try db.statement("SELECT id, note FROM checkpoints ORDER BY id")
            var result = [StoredCheckpoint]()
            while try statement.step() {
                let id = try statement.checkedInt(0, "checkpoints.id", in: 0...Int.max)
                let text = try statement.checkedText(1, "checkpoints.note", maxBytes: SignedNote.maxBytes)
                guard let note = try? SignedNote(parsing: text), let checkpoint = try? Checkpoint(text: note.text),
                      checkpoint.size <= Ledger.maxEntries else {
                    throw LedgerError.notALedger(path: path, reason: Message("stored checkpoint {id} is malformed", ["id": .text("\(id)")]))
                }
                result.append(StoredCheckpoint(id: id, checkpoint: checkpoint, signedNote: text))
            }
            return result
        }
    }

    /// The most recently stored checkpoint.
    public func latestCheckpoint() throws -> StoredCheckpoint? { try checkpoints().last }

    /// The most recently stored checkpoint whose tree contains entry `seq`.
    public func latestCheckpoint(covering seq: Int) throws -> StoredCheckpoint? {
        try checkpoints().last { $0.checkpoint.size > seq }
    }

    /// A C2SP tlog-proof@v1 for entry `seq`: `extra` = the entry's canonical bytes, the
    /// inclusion proof, and the latest stored checkpoint covering it (or, with `signer`, a fresh
    /// checkpoint signed now).
    public func proof(seq: Int, signer: NoteSigner? = nil) throws -> TlogProof {
        let stored: StoredCheckpoint
        if let signer {
            stored = try signCheckpoint(signer: signer)
        } else {
            guard let latest = try latestCheckpoint(covering: seq) else { throw LedgerError.noCheckpoint(covering: seq) }
            stored = latest
        }
        guard let entry = try entry(seq: seq) else { throw LedgerError.entryNotFound(seq: seq, size: try size()) }
        let path = try inclusionProof(seq: seq, treeSize: stored.checkpoint.size)
        return TlogProof(extra: entry.canonicalBytes, index: seq, inclusionProof: path, signedCheckpoint: stored.signedNote)
    }
}
