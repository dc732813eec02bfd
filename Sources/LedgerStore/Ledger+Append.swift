import Deterministic
import Foundation
import MerkleLog
import Localization

/// What a decision appended with `Ledger.append(_:signer:unlessRecorded:decidedOn:)` was based
/// on: the latest entry carrying `key` that the deciding person saw.
public struct DecisionBasis: Sendable, Equatable {
    public let key: IndexKey
    public let latestSeq: Int

    public init(key: IndexKey, latestSeq: Int) {
        self.key = key
        self.latestSeq = latestSeq
    }
}

/// What an append did.
public struct AppendResult: Sendable {
    /// The entries written, in order; empty when `alreadyRecorded`.
    public let appended: [LedgerEntry]
    /// True when entries carrying all the `unlessRecorded` keys exist and nothing was written.
    public let alreadyRecorded: Bool
    /// With `alreadyRecorded`: the `seq` of the entries carrying the keys.
    public let existingSeqs: [Int]
    /// Tree size after the append.
    public let treeSize: Int
}

extension Ledger {
    /// Appends `bodies` atomically in one `BEGIN IMMEDIATE` transaction: all of them, contiguous
    /// and in order, or none. Each is normalised (NFC) and checked exactly as `verify` will check
    /// it once stored: `EntryValidator`, the type's `EntryRules` (fields and index keys, then the
    /// rules against earlier entries), the active signer, and the size limit before signing.
    /// Then it is chained to the previous entry, signed by `signer` and added to the Merkle tree.
    ///
    /// With `unlessRecorded` keys, the lookup "does an entry carrying all these keys exist?" runs
    /// inside the same transaction, so a re-run or a concurrent run of the same work appends
    /// nothing and reports `alreadyRecorded`.
    ///
    /// With `decidedOn`, the append is refused (`LedgerError.changedMeanwhile`) when an entry
    /// carrying its key was recorded after the entry the decision was made on: two people
    /// deciding about one thing at once cannot both be recorded, each on a state already gone.
    @discardableResult
    public func append(_ bodies: [EntryBody], signer: NoteSigner, unlessRecorded keys: [IndexKey] = [],
                       decidedOn: DecisionBasis? = nil) throws -> AppendResult {
        try run {
            try db.immediateTransaction {
                if let decidedOn, let newer = try firstSeq(withKey: decidedOn.key, after: decidedOn.latestSeq) {
                    throw LedgerError.changedMeanwhile(seq: newer, key: decidedOn.key)
                }
                if !keys.isEmpty {
                    let seqs = try seqs(withAll: keys)
                    if !seqs.isEmpty {
                        return AppendResult(appended: [], alreadyRecorded: true, existingSeqs: seqs, treeSize: try size())
                    }
                }
                return try appendInTransaction(bodies, signer: signer)
            }
        }
    }

    private func appendInTransaction(_ bodies: [EntryBody], signer: NoteSigner) throws -> AppendResult {
        let startSize = try size()
        var prev = TreeHash.zero
        var lastTime: Int64 = .min
        if startSize > 0 {
            let last = try db.statement("SELECT leaf_hash, recorded_at FROM entries WHERE seq = ?")
            try last.bind(.integer(startSize - 1))
            guard try last.step(), let hash = TreeHash(bytes: last.blob(0)), let time = last.text(1).flatMap(LedgerTime.parse) else {
                throw LedgerError.corruptEntry(seq: startSize - 1, reason: Message("unreadable leaf hash or timestamp"))
            }
            prev = hash
            lastTime = time
        }
        var keyRing = try loadKeyRing()
        let signerID = LedgerEntry.signerID(signer.verifier)
        if startSize > 0, keyRing.verifier(for: signerID) == nil { throw LedgerError.signerNotActive(signer: signerID) }
        var tree = try accumulator(size: startSize)
        // Timestamps never go backwards, even if this machine's clock is behind the last writer's.
        let time = max(clock.millisecondsSinceEpoch(), lastTime)
        let recordedAt = LedgerTime.format(millisecondsSinceEpoch: time)

        // Rules first, in order: they depend on the entries before each one.
        var batch = EarlierInAppend(db: db, storedCount: startSize)
        for (index, body) in bodies.enumerated() {
            let seq = startSize + index
            let body = body.normalised()
            func reject(_ reason: Message) -> LedgerError { .rejectedEntry(index: index, type: body.type, reason: reason) }
            let keys: [IndexKey]
            do {
                try EntryValidator.check(body)
                keys = try indexKeys(of: body)
            } catch let error as EntryError {
                throw reject(error.message)
            }
            if let reason = keyRing.admit(seq: seq, body: body, signer: signerID) { throw reject(reason) }
            if body.type != KeyRecord.entryType,
               let reason = try rules.violation(of: body, seq: seq, keys: keys, earlier: batch) {
                throw reject(reason)
            }
            batch.append(body, keys: keys)
        }
        // Encoding does not depend on the chain: all cores. Signing does (each entry names the
        // previous leaf hash, which covers its signature), so it runs in order on one thread
        // while this thread writes the already signed entries to SQLite.
        let encoded = try parallelMap(batch.bodies, jobs: ProcessInfo.processInfo.activeProcessorCount, minimumChunk: 32) { body in
            Result { try EncodedBody(body) }
        }.enumerated().map { index, result in
            do {
                let encoded = try result.get()
                // The reader's size limit, checked before anything is signed.
                try EntryValidator.checkSize(try LedgerEntry.size(of: encoded, seq: startSize + index, prev: prev,
                                                                  recordedAt: recordedAt, signerID: signerID))
                return encoded
            } catch let error as EntryError {
                throw LedgerError.rejectedEntry(index: index, type: bodies[index].type, reason: .describing(error))
            }
        }
        let insertEntry = try db.statement("INSERT INTO entries (seq, type, recorded_at, leaf_hash, body) VALUES (?, ?, ?, ?, ?)")
        let insertKey = try db.statement("INSERT INTO entry_keys (seq, name, value) VALUES (?, ?, ?)")
        let insertNode = try db.statement("INSERT INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)")
        var appended = [LedgerEntry]()
        appended.reserveCapacity(bodies.count)
        try ChainSigner.sign(encoded, firstSeq: startSize, prev: prev, recordedAt: recordedAt, signer: signer) { entry in
            insertEntry.reset()
            try insertEntry.bind(.integer(entry.seq), .text(entry.type), .text(recordedAt),
                                 .blob(entry.leafHash.bytes), .blob(entry.canonicalBytes))
            try insertEntry.run()
            for key in batch.keys[entry.seq - startSize] {
                insertKey.reset()
                try insertKey.bind(.integer(entry.seq), .text(key.name), .text(key.value))
                try insertKey.run()
            }
            for (node, hash) in tree.append(leafHash: entry.leafHash) {
                insertNode.reset()
                try insertNode.bind(.integer(node.level), .integer(node.index), .blob(hash.bytes))
                try insertNode.run()
            }
            appended.append(entry)
        }
        return AppendResult(appended: appended, alreadyRecorded: false, existingSeqs: [], treeSize: startSize + bodies.count)
    }

    /// The body's index keys, sorted and without repeats, from its type's rules (key entries have
    /// none). The same function serves append and `verify`.
    func indexKeys(of body: EntryBody) throws -> [IndexKey] {
        try Ledger.indexKeys(of: body, rules: rules)
    }

    static func indexKeys(of body: EntryBody, rules: any EntryRules) throws -> [IndexKey] {
        if body.type == KeyRecord.entryType {
            _ = try KeyRecord(body)
            return []
        }
        guard rules.types.contains(body.type) else { throw EntryError.unknownType(body.type) }
        return try storedIndexKeys(rules.validate(body))
    }

    /// `keys` as the ledger stores them: each name and value a valid string, sorted, without repeats.
    static func storedIndexKeys(_ keys: [IndexKey]) throws -> [IndexKey] {
        for key in keys {
            try EntryValidator.checkString(key.name, field: "index key name")
            try EntryValidator.checkString(key.value, field: "index key \(key.name)")
        }
        return Array(Set(keys)).sorted()
    }

    /// The first entry carrying `key` recorded after `seq`, if any.
    func firstSeq(withKey key: IndexKey, after seq: Int) throws -> Int? {
        let statement = try db.statement("SELECT MIN(seq) FROM entry_keys WHERE name = ? AND value = ? AND seq > ?")
        try statement.bind(.text(key.name), .text(CanonicalJSON.nfc(key.value)), .integer(seq))
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return try statement.checkedInt(0, "entry_keys.seq", in: 0...Ledger.maxEntries - 1)
    }

    /// Seqs of the entries carrying every one of `keys`, in order.
    func seqs(withAll keys: [IndexKey]) throws -> [Int] {
        let sql = Array(repeating: "SELECT seq FROM entry_keys WHERE name = ? AND value = ?", count: keys.count)
            .joined(separator: " INTERSECT ") + " ORDER BY seq"
        let statement = try db.statement(sql)
        for (offset, key) in keys.enumerated() {
            try statement.bind(at: Int32(2 * offset + 1), .text(key.name))
            try statement.bind(at: Int32(2 * offset + 2), .text(CanonicalJSON.nfc(key.value)))
        }
        var seqs = [Int]()
        while try statement.step() { seqs.append(try statement.checkedInt(0, "entry_keys.seq", in: 0...Ledger.maxEntries - 1)) }
        return seqs
    }

    /// Replays the key entries.
    func loadKeyRing() throws -> KeyRing {
        var ring = KeyRing()
        let statement = try db.statement("SELECT seq, body FROM entries WHERE type = 'key' ORDER BY seq")
        while try statement.step() {
            let seq = try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1)
            let entry: LedgerEntry
            do { entry = try LedgerEntry(canonicalBytes: statement.checkedBlob(1, "entries.body", maxCount: JSONParser.maxBytes)) } catch {
                throw LedgerError.corruptEntry(seq: seq, reason: .describing(error))
            }
            if let reason = ring.admit(seq: seq, body: entry.body, signer: entry.signer) {
                throw LedgerError.corruptEntry(seq: seq, reason: reason)
            }
        }
        return ring
    }

    /// The tree's right edge read from storage, ready to take more leaves.
    func accumulator(size: Int) throws -> MerkleAccumulator {
        let source = StoredHashes(db: db)
        let hashes = try NodeID.rightEdge(ofTreeSize: size).map { try source.hash(of: $0) }
        return MerkleAccumulator(size: size, edgeHashes: hashes)
    }
}

/// `EarlierEntries` during an append: the stored entries, then the bodies of this append that
/// come before the one being checked.
struct EarlierInAppend: EarlierEntries {
    let db: SQLiteConnection
    let storedCount: Int
    private(set) var bodies: [EntryBody] = []
    private(set) var keys: [[IndexKey]] = []

    init(db: SQLiteConnection, storedCount: Int) {
        self.db = db
        self.storedCount = storedCount
    }

    mutating func append(_ body: EntryBody, keys: [IndexKey]) {
        bodies.append(body)
        self.keys.append(keys)
    }

    func firstSeq(type: String, key: IndexKey) throws -> Int? {
        if let seq = try StoredEntries(db: db).firstSeq(type: type, key: key, before: storedCount) { return seq }
        return bodies.indices.first { bodies[$0].type == type && keys[$0].contains(key) }.map { storedCount + $0 }
    }

    func body(seq: Int) throws -> EntryBody? {
        if seq >= storedCount { return seq - storedCount < bodies.count ? bodies[seq - storedCount] : nil }
        return try StoredEntries(db: db).body(seq: seq)
    }

    func leafHash(seq: Int) throws -> TreeHash? {
        guard seq >= 0, seq < storedCount else { return nil }
        let statement = try db.statement("SELECT leaf_hash FROM entries WHERE seq = ?")
        try statement.bind(.integer(seq))
        return try statement.step() ? TreeHash(bytes: statement.blob(0)) : nil
    }
}

/// Lookups in stored entries shared by appends and `verify`.
struct StoredEntries {
    let db: SQLiteConnection

    /// The first stored entry before `before` of `type` carrying `key`.
    func firstSeq(type: String, key: IndexKey, before: Int) throws -> Int? {
        // In key order (name, value, seq), stopping at the first of `type`: MIN() over the join
        // read every entry carrying the key (an origin's: each of its lots).
        let statement = try db.statement("""
            SELECT k.seq FROM entry_keys k JOIN entries e ON e.seq = k.seq
            WHERE k.name = ? AND k.value = ? AND e.type = ? AND k.seq < ? ORDER BY k.seq LIMIT 1
            """)
        try statement.bind(.text(key.name), .text(CanonicalJSON.nfc(key.value)), .text(type), .integer(before))
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    /// The body of stored entry `seq`, read back as any reader reads it.
    func body(seq: Int) throws -> EntryBody? {
        let statement = try db.statement("SELECT body FROM entries WHERE seq = ?")
        try statement.bind(.integer(seq))
        guard try statement.step() else { return nil }
        do { return try LedgerEntry(canonicalBytes: statement.checkedBlob(0, "entries.body", maxCount: JSONParser.maxBytes)).body } catch {
            throw LedgerError.corruptEntry(seq: seq, reason: .describing(error))
        }
    }
}

/// `HashSource` over the ledger tables: leaves from `entries.leaf_hash`, interior nodes from
/// `tree_nodes`.
struct StoredHashes: HashSource {
    let db: SQLiteConnection

    func hash(of node: NodeID) throws -> TreeHash {
        let statement: SQLiteStatement
        if node.level == 0 {
            statement = try db.statement("SELECT leaf_hash FROM entries WHERE seq = ?")
            try statement.bind(.integer(node.index))
        } else {
            statement = try db.statement("SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?")
            try statement.bind(.integer(node.level), .integer(node.index))
        }
        guard try statement.step(), let hash = TreeHash(bytes: statement.blob(0)) else { throw MerkleError.missingNode(node) }
        return hash
    }
}
