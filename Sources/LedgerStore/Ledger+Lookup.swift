import MerkleLog
import Localization

extension Ledger {
    /// Entry `seq`, or nil past the end.
    public func entry(seq: Int) throws -> LedgerEntry? {
        try entries(where: "seq = ?", .integer(seq)).first
    }

    /// The entry whose leaf hash is `leafHash`.
    public func entry(leafHash: TreeHash) throws -> LedgerEntry? {
        try entries(where: "leaf_hash = ?", .blob(leafHash.bytes)).first
    }

    /// All entries of a type, in `seq` order.
    public func entries(type: String) throws -> [LedgerEntry] {
        try entries(where: "type = ?", .text(type))
    }

    /// Entries carrying index key `key`, in `seq` order.
    public func entries(withKey key: IndexKey) throws -> [LedgerEntry] {
        try entries(where: "seq IN (SELECT seq FROM entry_keys WHERE name = ? AND value = ?)",
                    .text(key.name), .text(CanonicalJSON.nfc(key.value)))
    }

    /// Entries of `type` carrying index key `key`, in `seq` order (e.g. the corrections of one
    /// origin, without reading the many lots and gradings that carry its code too).
    public func entries(type: String, withKey key: IndexKey) throws -> [LedgerEntry] {
        try entries(where: "type = ? AND seq IN (SELECT seq FROM entry_keys WHERE name = ? AND value = ?)",
                    .text(type), .text(key.name), .text(CanonicalJSON.nfc(key.value)))
    }

    /// Entries carrying every one of `keys`, in `seq` order.
    public func entries(withAll keys: [IndexKey]) throws -> [LedgerEntry] {
        guard let first = keys.first else { return [] }
        if keys.count == 1 { return try entries(withKey: first) }
        return try run { try seqs(withAll: keys).compactMap { try entry(seq: $0) } }
    }

    /// The first entry of `type` carrying `key` (e.g. the registration of a code), if any.
    public func firstEntry(type: String, withKey key: IndexKey) throws -> LedgerEntry? {
        // In key order, stopping at the first of `type` (see `StoredEntries.firstSeq`).
        try entries(where: """
            seq = (SELECT k.seq FROM entry_keys k JOIN entries e ON e.seq = k.seq
                   WHERE k.name = ? AND k.value = ? AND e.type = ? ORDER BY k.seq LIMIT 1)
            """, .text(key.name), .text(CanonicalJSON.nfc(key.value)), .text(type)).first
    }

    /// Entries in `range` of seq, in order (for listing and export).
    public func entries(seqs range: Range<Int>) throws -> [LedgerEntry] {
        try entries(where: "seq >= ? AND seq < ?", .integer(range.lowerBound), .integer(range.upperBound))
    }

    /// Every entry that still decodes, in seq order, and the number of rows that did not: for
    /// reports that must show what is left of a damaged ledger. Bounded by the rows actually
    /// stored, never by a seq or size read from the file. `verify` says whether to trust them.
    public func readableEntries() throws -> (entries: [LedgerEntry], unreadable: Int) {
        try run {
            let statement = try db.statement("SELECT seq, body FROM entries ORDER BY seq")
            var entries = [LedgerEntry](), unreadable = 0
            while try statement.step() {
                guard let seq = try? statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1),
                      let bytes = try? statement.checkedBlob(1, "entries.body", maxCount: JSONParser.maxBytes),
                      let entry = try? LedgerEntry(canonicalBytes: bytes), entry.seq == seq else {
                    unreadable += 1
                    continue
                }
                entries.append(entry)
            }
            return (entries, unreadable)
        }
    }

    private func entries(where condition: String, _ values: SQLiteValue...) throws -> [LedgerEntry] {
        try run {
            let statement = try db.statement("SELECT seq, body FROM entries WHERE \(condition) ORDER BY seq")
            for (offset, value) in values.enumerated() {
                // Bind positionally; `bind` is variadic, so bind one at a time.
                try bindOne(statement, offset, value)
            }
            var result = [LedgerEntry]()
            while try statement.step() {
                let seq = try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1)
                do {
                    let entry = try LedgerEntry(canonicalBytes: statement.checkedBlob(1, "entries.body", maxCount: JSONParser.maxBytes))
                    guard entry.seq == seq else { throw LedgerError.corruptEntry(seq: seq, reason: Message("stored in row {seq} but says seq {stated}", ["seq": .text("\(seq)"), "stated": .text("\(entry.seq)")])) }
                    result.append(entry)
                } catch let error as EntryError {
                    throw LedgerError.corruptEntry(seq: seq, reason: .describing(error))
                }
            }
            return result
        }
    }

    private func bindOne(_ statement: SQLiteStatement, _ offset: Int, _ value: SQLiteValue) throws {
        try statement.bind(at: Int32(offset + 1), value)
    }
}
