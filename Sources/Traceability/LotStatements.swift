import Localization
import LedgerStore
import MerkleLog
import Provenance

/// The completeness statements a lot's proof bundle needs ("these are all of the lot's entries
/// under this checkpoint"), signed when the checkpoint is signed, by whoever holds the key, and
/// stored in the ledger, so the public server can serve bundles without ever holding the key.
public enum LotStatements {
    /// Signs a checkpoint of the current tree and, under it, a statement for every lot whose
    /// entries changed since the last checkpoint with statements (all lots the first time).
    @discardableResult
    public static func signCheckpoint(ledger: Ledger, signer: NoteSigner) throws -> (checkpoint: StoredCheckpoint, statements: Int) {
        let stored = try ledger.signCheckpoint(signer: signer)
        return (stored, try sign(under: stored.checkpoint, ledger: ledger, signer: signer))
    }

    /// Statements under `checkpoint` for the lots touched by entries after the last statement run:
    /// a lot's own entries, and registrations or corrections of the origin its lot entry names.
    /// Lots not graded yet, or whose origin is not registered under the checkpoint, get none.
    @discardableResult
    public static func sign(under checkpoint: Checkpoint, ledger: Ledger, signer: NoteSigner) throws -> Int {
        let from = try ledger.lastStatementRun() ?? 0
        guard from < checkpoint.size else { return 0 }
        var lots = Set<String>(), origins = Set<String>()
        var start = from
        while start < checkpoint.size {
            let end = min(checkpoint.size, start + 50_000)
            for keys in try ledger.indexKeys(seqs: start..<end).values {
                if let lot = keys.first(where: { $0.name == IndexKeyName.lotCode }) {
                    lots.insert(lot.value)
                } else if let origin = keys.first(where: { $0.name == IndexKeyName.originCode }) {
                    origins.insert(origin.value)
                }
            }
            start = end
        }
        for origin in origins {
            for entry in try ledger.entries(type: RecordType.lot.rawValue, withKey: IndexKey(IndexKeyName.originCode, origin))
            where entry.seq < checkpoint.size {
                if case .lot(let lot) = try entry.record() { lots.insert(lot.lotCode) }
            }
        }
        var notes = [(subject: String, note: String)]()
        for lot in lots.sorted() {
            let entries: [LedgerEntry]
            do { entries = try LotProof.entries(lotCode: lot, ledger: ledger, upTo: checkpoint.size) } catch is LabelError { continue }
            notes.append((lot, try LotProof.signedStatement(lotCode: lot, entries: entries, checkpoint: checkpoint, ledger: ledger, signer: signer)))
        }
        try ledger.storeStatements(notes, treeSize: checkpoint.size)
        return notes.count
    }

    /// `lotCode`'s bundle from its newest stored statement, when that statement's checkpoint still
    /// covers every entry of the lot; nil when the lot changed since (sign a new checkpoint) or
    /// never had one. Throws `LabelError` for an unknown or ungraded lot.
    public static func bundle(lotCode: String, ledger: Ledger) throws -> LabelBundle? {
        let entries = try LotProof.entries(lotCode: lotCode, ledger: ledger)
        guard let statement = try ledger.latestStatement(subject: lotCode), entries.last!.seq < statement.treeSize,
              let stored = try ledger.latestCheckpoint(size: statement.treeSize) else { return nil }
        return try LotProof.bundle(entries: entries, checkpoint: stored, ledger: ledger, signedStatement: statement.note)
    }
}

extension LotStatements {
    /// What `Ledger.verify` checks of each stored lot statement: it names its own lot and the
    /// checkpoint it is stored under, and lists exactly the entries `LotProof.entries` finds for
    /// the lot in that tree. A statement signed with the key that leaves out a correction (or
    /// adds an entry of another lot) is a lie buyers' browsers cannot see; the audit must.
    public struct Rules: StatementRules {
        public init() {}

        public func violation(subject: String, statement text: String, checkpoint: Checkpoint, ledger: Ledger) throws -> Message? {
            let statement: LabelBundle.Statement
            do { statement = try LabelBundle.Statement(text: text) } catch { return .describing(error) }
            guard statement.lotCode == subject else {
                return Message("it is about lot {lot}, stored as {subject}'s", ["lot": .text(statement.lotCode), "subject": .text(subject)])
            }
            guard statement.origin == checkpoint.origin, statement.treeSize == checkpoint.size, statement.root == checkpoint.root else {
                return Message("it names tree {origin} size {size} root {root}, not the checkpoint it is stored under",
                               ["origin": .text(statement.origin), "size": .text(String(statement.treeSize)), "root": .text(statement.root.base64)])
            }
            guard let newest = try ledger.entry(seq: checkpoint.size - 1), newest.recordedAt == statement.newestRecordedAt else {
                return Message("its time {time} is not that of entry {seq}", ["time": .text(statement.newestRecordedAt), "seq": .text(String(checkpoint.size - 1))])
            }
            let entries: [LedgerEntry]
            do { entries = try LotProof.entries(lotCode: subject, ledger: ledger, upTo: checkpoint.size) } catch let error as LabelError {
                return Message("the ledger has no such graded lot in that tree: {reason}", ["reason": .message(.describing(error))])
            }
            let listed = statement.members.map { "#\($0.seq) \($0.leafHash.base64)" }
            let actual = entries.map { "#\($0.seq) \($0.leafHash.base64)" }
            guard listed == actual else {
                return Message("it lists {listed} but the lot's entries are {actual}",
                               ["listed": .text(listed.joined(separator: ", ")), "actual": .text(actual.joined(separator: ", "))])
            }
            return nil
        }
    }
}
