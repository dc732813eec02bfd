import MerkleLog

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
    public func entries(type: EntryType) throws -> [LedgerEntry] {
        try entries(where: "type = ?", .text(type.rawValue))
    }

    /// The lot's entries (its `lot` entry, gradings, corrections naming it), in `seq` order.
    public func entries(lotCode: String) throws -> [LedgerEntry] {
        try entries(where: "lot_code = ?", .text(CanonicalJSON.nfc(lotCode)))
    }

    /// The origin's entries (its registration, lots from it, corrections naming it), in `seq` order.
    public func entries(originCode: String) throws -> [LedgerEntry] {
        try entries(where: "origin_code = ?", .text(originCode))
    }

    /// Entries in `range` of seq, in order (for listing and export).
    public func entries(seqs range: Range<Int>) throws -> [LedgerEntry] {
        try entries(where: "seq >= ? AND seq < ?", .integer(range.lowerBound), .integer(range.upperBound))
    }

    /// The `origin` entry that registered `originCode`, if any.
    public func originRegistration(_ originCode: String) throws -> LedgerEntry? {
        try entries(where: "origin_code = ? AND type = 'origin'", .text(originCode)).first
    }

    public func isOriginRegistered(_ originCode: String) throws -> Bool {
        try run { try firstSeq(type: .origin, originCode: originCode) != nil }
    }

    /// The `lot` entry that registered `lotCode`, if any.
    public func lotRegistration(_ lotCode: String) throws -> LedgerEntry? {
        try entries(where: "lot_code = ? AND type = 'lot'", .text(lotCode)).first
    }

    public func isLotRegistered(_ lotCode: String) throws -> Bool {
        try run { try firstSeq(type: .lot, lotCode: lotCode) != nil }
    }

    /// Entries carrying this idempotency key (lot code + upload digest), in `seq` order.
    public func entries(recording key: IdempotencyKey) throws -> [LedgerEntry] {
        try entries(where: "lot_code = ? AND upload_digest = ?", .text(key.lotCode), .text(key.uploadDigest))
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
                    guard entry.seq == seq else { throw LedgerError.corruptEntry(seq: seq, reason: "stored in row \(seq) but says seq \(entry.seq)") }
                    result.append(entry)
                } catch let error as EntryError {
                    throw LedgerError.corruptEntry(seq: seq, reason: error.description)
                }
            }
            return result
        }
    }

    private func bindOne(_ statement: SQLiteStatement, _ offset: Int, _ value: SQLiteValue) throws {
        try statement.bind(at: Int32(offset + 1), value)
    }
}
