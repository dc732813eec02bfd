import Localization
import MerkleLog

/// A signed note about one subject (for the domain: a lot) under the checkpoint of `treeSize`.
public struct StoredStatement: Sendable, Equatable {
    public let subject: String
    public let treeSize: Int
    public let note: String
}

/// What stored statements claim: supplied by the domain to `Ledger.verify`, which has already
/// checked that the statement is a note signed by a ledger key under the stored `checkpoint`.
public protocol StatementRules: Sendable {
    /// Why the statement about `subject` (the signed note's `statement` text) is false of the tree
    /// of `checkpoint`, or nil. `ledger` reads the snapshot `verify` reads.
    func violation(subject: String, statement: String, checkpoint: Checkpoint, ledger: Ledger) throws -> Message?
}

extension Ledger {
    /// Stores statements signed under the checkpoint of `treeSize` and records that size as done,
    /// in one transaction. The store does not read them: what a statement says is the domain's.
    public func storeStatements(_ notes: [(subject: String, note: String)], treeSize: Int) throws {
        try run {
            try db.immediateTransaction {
                let insert = try db.statement("INSERT OR IGNORE INTO statements (subject, tree_size, note) VALUES (?, ?, ?)")
                for (subject, note) in notes {
                    try insert.bind(.text(subject), .integer(treeSize), .text(note))
                    try insert.run()
                    insert.reset()
                }
                let done = try db.statement("INSERT OR IGNORE INTO statement_runs (tree_size) VALUES (?)")
                try done.bind(.integer(treeSize))
                try done.run()
            }
        }
    }

    /// The largest tree size whose statements were stored (nil: none yet).
    public func lastStatementRun() throws -> Int? {
        try run { try db.singleInteger("SELECT max(tree_size) FROM statement_runs") }
    }

    /// The newest statement about `subject` (largest tree size).
    public func latestStatement(subject: String) throws -> StoredStatement? {
        try run {
            let query = try db.statement("SELECT tree_size, note FROM statements WHERE subject = ? ORDER BY tree_size DESC LIMIT 1")
            defer { query.reset() }
            try query.bind(.text(subject))
            guard try query.step() else { return nil }
            return StoredStatement(subject: subject, treeSize: try query.checkedInt(0, "statements.tree_size", in: 0...Ledger.maxEntries),
                                   note: try query.checkedText(1, "statements.note", maxBytes: SignedNote.maxBytes))
        }
    }

    /// The last stored checkpoint of exactly `size` (the one with the witnesses' cosignatures, if any were stored).
    public func latestCheckpoint(size: Int) throws -> StoredCheckpoint? {
        try run {
            let query = try db.statement("SELECT id, note FROM checkpoints WHERE tree_size = ? ORDER BY id DESC LIMIT 1")
            defer { query.reset() }
            try query.bind(.integer(size))
            guard try query.step() else { return nil }
            let id = try query.checkedInt(0, "checkpoints.id", in: 0...Int.max)
            let text = try query.checkedText(1, "checkpoints.note", maxBytes: SignedNote.maxBytes)
            guard let note = try? SignedNote(parsing: text), let checkpoint = try? Checkpoint(text: note.text), checkpoint.size == size else {
                throw LedgerError.notALedger(path: path, reason: Message("stored checkpoint {id} is malformed", ["id": .text(String(id))]))
            }
            return StoredCheckpoint(id: id, checkpoint: checkpoint, signedNote: text)
        }
    }
}

extension Ledger {
    /// The index keys of entries `range`, by seq (entries without keys are absent): lets the
    /// domain find what a range of entries touched without decoding them.
    public func indexKeys(seqs range: Range<Int>) throws -> [Int: [IndexKey]] {
        try run {
            let query = try db.statement("SELECT seq, name, value FROM entry_keys WHERE seq >= ? AND seq < ?")
            defer { query.reset() }
            try query.bind(.integer(range.lowerBound), .integer(range.upperBound))
            var keys = [Int: [IndexKey]]()
            while try query.step() {
                let seq = try query.checkedInt(0, "entry_keys.seq", in: 0...Ledger.maxEntries)
                keys[seq, default: []].append(IndexKey(try query.checkedText(1, "entry_keys.name", maxBytes: 1024),
                                                       try query.checkedText(2, "entry_keys.value", maxBytes: 4096)))
            }
            return keys
        }
    }
}
