import Deterministic
import Foundation
import MerkleLog

/// Idempotency key of an append: when an entry with this lot code and upload digest is already
/// recorded, the append records nothing (see `Ledger.append`).
public struct IdempotencyKey: Sendable, Equatable {
    public let lotCode: String
    public let uploadDigest: String

    public init(lotCode: String, uploadDigest: String) {
        self.lotCode = lotCode
        self.uploadDigest = uploadDigest
    }
}

/// What an append did.
public struct AppendResult: Sendable {
    /// The entries written, in order; empty when `alreadyRecorded`.
    public let appended: [LedgerEntry]
    /// True when the idempotency key was found and nothing was written.
    public let alreadyRecorded: Bool
    /// With `alreadyRecorded`: the `seq` of the entries carrying the key.
    public let existingSeqs: [Int]
    /// Tree size after the append.
    public let treeSize: Int
}

extension Ledger {
    /// Appends `bodies` atomically in one `BEGIN IMMEDIATE` transaction: all of them, contiguous
    /// and in order, or none. Each is checked (domain rules, active signer), chained to the
    /// previous entry, signed by `signer` and added to the Merkle tree.
    ///
    /// With `idempotencyKey`, the lookup "is an entry with this lot code and upload digest already
    /// recorded?" runs inside the same transaction, so a re-run or a concurrent run of the same
    /// upload appends nothing and reports `alreadyRecorded`.
    @discardableResult
    public func append(_ bodies: [EntryBody], signer: NoteSigner, idempotencyKey: IdempotencyKey? = nil) throws -> AppendResult {
        try run {
            try db.immediateTransaction {
                if let key = idempotencyKey {
                    let statement = try db.statement("SELECT seq FROM entries WHERE lot_code = ? AND upload_digest = ? ORDER BY seq")
                    try statement.bind(.text(key.lotCode), .text(key.uploadDigest))
                    var seqs = [Int]()
                    while try statement.step() { seqs.append(try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1)) }
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
                throw LedgerError.corruptEntry(seq: startSize - 1, reason: "unreadable leaf hash or timestamp")
            }
            prev = hash
            lastTime = time
        }
        var keys = try loadKeyRing()
        let signerID = LedgerEntry.signerID(signer.verifier)
        if startSize > 0, keys.verifier(for: signerID) == nil { throw LedgerError.signerNotActive(signer: signerID) }
        var tree = try accumulator(size: startSize)
        var batchOrigins = Set<String>(), batchLots = Set<String>()
        // Timestamps never go backwards, even if this machine's clock is behind the last writer's.
        let time = max(clock.millisecondsSinceEpoch(), lastTime)
        let recordedAt = LedgerTime.format(millisecondsSinceEpoch: time)

        let insertEntry = try db.statement("""
            INSERT INTO entries (seq, type, lot_code, origin_code, upload_digest, recorded_at, leaf_hash, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertNode = try db.statement("INSERT INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)")
        // Rules first, in order: they depend on the entries before each one.
        for (index, body) in bodies.enumerated() {
            let seq = startSize + index
            if let reason = keys.admit(seq: seq, body: body, signer: signerID) {
                throw LedgerError.rejectedEntry(index: index, type: body.type, reason: reason)
            }
            if let reason = try domainViolation(body, seq: seq, batchOrigins: batchOrigins, batchLots: batchLots) {
                throw LedgerError.rejectedEntry(index: index, type: body.type, reason: reason)
            }
            if case .origin(let origin) = body { batchOrigins.insert(origin.originCode) }
            if case .lot(let lot) = body { batchLots.insert(lot.lotCode) }
        }
        // Encoding does not depend on the chain: all cores. Signing does (each entry names the
        // previous leaf hash, which covers its signature), so it runs in order on one thread
        // while this thread writes the already signed entries to SQLite.
        let encoded = try parallelMap(bodies, jobs: ProcessInfo.processInfo.activeProcessorCount, minimumChunk: 32) { body in
            Result { try EncodedBody(body) }
        }.enumerated().map { index, result in
            do { return try result.get() } catch let error as EntryError {
                throw LedgerError.rejectedEntry(index: index, type: bodies[index].type, reason: error.description)
            }
        }
        var appended = [LedgerEntry]()
        appended.reserveCapacity(bodies.count)
        try ChainSigner.sign(encoded, firstSeq: startSize, prev: prev, recordedAt: recordedAt, signer: signer) { entry in
            insertEntry.reset()
            try insertEntry.bind(.integer(entry.seq), .text(entry.type.rawValue), .optionalText(entry.body.lotCode),
                                 .optionalText(entry.body.originCode), .optionalText(entry.body.uploadDigest), .text(recordedAt),
                                 .blob(entry.leafHash.bytes), .blob(entry.canonicalBytes))
            try insertEntry.run()
            for (node, hash) in tree.append(leafHash: entry.leafHash) {
                insertNode.reset()
                try insertNode.bind(.integer(node.level), .integer(node.index), .blob(hash.bytes))
                try insertNode.run()
            }
            appended.append(entry)
        }
        return AppendResult(appended: appended, alreadyRecorded: false, existingSeqs: [], treeSize: startSize + bodies.count)
    }

    /// The domain rule `body` breaks, if any: lots name registered origins, gradings name
    /// registered lots, corrections name earlier entries by seq and leaf hash, codes register once.
    private func domainViolation(_ body: EntryBody, seq: Int, batchOrigins: Set<String>, batchLots: Set<String>) throws -> String? {
        switch body {
        case .origin(let origin):
            let registered = try firstSeq(type: .origin, originCode: origin.originCode) != nil
            if batchOrigins.contains(origin.originCode) || registered {
                return "origin code '\(origin.originCode)' is already registered"
            }
        case .lot(let lot):
            let registered = try firstSeq(type: .lot, lotCode: lot.lotCode) != nil
            if batchLots.contains(lot.lotCode) || registered {
                return "lot '\(lot.lotCode)' is already registered"
            }
            if !batchOrigins.contains(lot.originCode), try firstSeq(type: .origin, originCode: lot.originCode) == nil {
                return "origin code '\(lot.originCode)' is not registered"
            }
        case .grading(let grading):
            if !batchLots.contains(grading.lotCode), try firstSeq(type: .lot, lotCode: grading.lotCode) == nil {
                return "lot '\(grading.lotCode)' is not registered"
            }
        case .correction(let correction):
            guard correction.corrects < seq else { return "corrects entry \(correction.corrects), which is not an earlier entry" }
            let statement = try db.statement("SELECT leaf_hash FROM entries WHERE seq = ?")
            try statement.bind(.integer(correction.corrects))
            guard try statement.step(), TreeHash(bytes: statement.blob(0))?.hex == correction.correctsLeafHash else {
                return "corrects_leaf does not match the leaf hash of entry \(correction.corrects)"
            }
        case .key:
            break
        }
        return nil
    }

    func firstSeq(type: EntryType, lotCode: String) throws -> Int? {
        let statement = try db.statement("SELECT MIN(seq) FROM entries WHERE lot_code = ? AND type = ?")
        try statement.bind(.text(lotCode), .text(type.rawValue))
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    func firstSeq(type: EntryType, originCode: String) throws -> Int? {
        let statement = try db.statement("SELECT MIN(seq) FROM entries WHERE origin_code = ? AND type = ?")
        try statement.bind(.text(originCode), .text(type.rawValue))
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    /// Replays the key entries.
    func loadKeyRing() throws -> KeyRing {
        var ring = KeyRing()
        let statement = try db.statement("SELECT seq, body FROM entries WHERE type = 'key' ORDER BY seq")
        while try statement.step() {
            let seq = try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1)
            let entry: LedgerEntry
            do { entry = try LedgerEntry(canonicalBytes: statement.checkedBlob(1, "entries.body", maxCount: JSONParser.maxBytes)) } catch {
                throw LedgerError.corruptEntry(seq: seq, reason: "\(error)")
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
