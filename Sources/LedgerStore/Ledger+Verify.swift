import Deterministic
import Dispatch
import Foundation
import MerkleLog
import Localization

extension Ledger {
    /// The inspector's full audit: every entry re-encodes to its stored bytes; seq is contiguous;
    /// the prev chain, stored leaf hashes, index keys and every stored tree hash are recomputed;
    /// each entry's signature verifies under the key active at that point; timestamps never go
    /// back; the ledger's `EntryRules` accept every entry, by the same code that ran on append; every stored checkpoint is signed, matches the recomputed root,
    /// is consistent with the others, and no two of one size disagree.
    ///
    /// `trustedKeys` pins the ledger's keys: entry 0 must add one of them and checkpoints must be
    /// signed by one. Without them the ledger's own key entries are trusted (trust on first use),
    /// and the report says so. Signatures are checked on `threads` threads, `chunkSize` entries
    /// at a time (the result does not depend on either).
    ///
    /// A ledger alone cannot show that its newest entries were removed together with their
    /// checkpoints; `outside` checkpoints (kept by the inspector, from a label or a witness) can:
    /// the ledger must still contain and extend each of them.
    ///
    /// Every stored statement must be a note signed by a ledger key under a stored checkpoint of
    /// its tree size; what it claims is the domain's, checked by `statements` when given.
    public func verify(trustedKeys: [NoteVerifier] = [], outside: [OutsideCheckpoint] = [],
                       statements: (any StatementRules)? = nil,
                       threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                       chunkSize: Int = 2048) throws -> VerificationReport {
        try run {
            try db.readTransaction {
                var run = VerificationRun(trustedKeys: trustedKeys, rules: rules)
                for problem in try integrityCheck() { run.fail(.storage, seq: nil, .verbatim(problem)) }
                for problem in try SchemaCheck.problems(db) { run.fail(.schema, seq: nil, problem) }
                let stored = try checkpoints(lenient: &run)
                run.rootsWanted = Set(stored.map(\.checkpoint.size) + outside.map(\.checkpoint.size))
                let nodeCursor = try TreeNodeCursor(db: db)
                let keyCursor = KeyCursor(db: db)
                try scanEntries(&run, nodes: nodeCursor, keys: keyCursor, threads: max(1, threads), chunkSize: max(1, chunkSize))
                nodeCursor.finish(&run)
                keyCursor.finish(&run)
                run.checkCheckpoints(stored, ledgerOrigin: origin, db: db)
                run.checkOutside(outside, ledgerOrigin: origin, db: db)
                try checkStatements(&run, stored: stored, rules: statements)
                return run.report(path: path)
            }
        }
    }

    /// Each stored statement, read one at a time (there is one per lot and checkpoint): signed by
    /// a ledger key, under a stored checkpoint whose root the entries gave, and true by `rules`,
    /// which read the same snapshot through this connection.
    private func checkStatements(_ run: inout VerificationRun, stored: [StoredCheckpoint], rules: (any StatementRules)?) throws {
        var checkpoints = [Int: Checkpoint]()
        for item in stored where checkpoints[item.checkpoint.size] == nil && run.roots[item.checkpoint.size] == item.checkpoint.root {
            checkpoints[item.checkpoint.size] = item.checkpoint
        }
        let query = try db.statement("SELECT subject, tree_size, note FROM statements ORDER BY tree_size, subject")
        while try query.step() {
            run.statementsChecked += 1
            var subject = "?", size = -1
            do {
                subject = try query.checkedText(0, "statements.subject", maxBytes: 4096)
                size = try query.checkedInt(1, "statements.tree_size", in: 0...Ledger.maxEntries)
                let text = try query.checkedText(2, "statements.note", maxBytes: SignedNote.maxBytes)
                let note = try SignedNote(parsing: text)
                do { _ = try note.verify(trusting: run.logKeys) } catch {
                    // Signed, but not by the keys given: a wrong --vkey, as for checkpoints, not tampering.
                    run.fail(.statements, seq: nil, Message("statement about {subject} at size {size}: {reason}",
                                                            ["subject": .text(subject), "size": .text(String(size)), "reason": .message(.describing(error))]),
                             keyMismatch: run.isKeyMismatch(error))
                    continue
                }
                guard let checkpoint = checkpoints[size] else {
                    run.fail(.statements, seq: nil, Message("statement about {subject} at size {size}: no stored checkpoint of that size matches the entries",
                                                            ["subject": .text(subject), "size": .text(String(size))]))
                    continue
                }
                if let rules, let violation = try rules.violation(subject: subject, statement: note.text, checkpoint: checkpoint, ledger: self) {
                    run.fail(.statements, seq: nil, Message("statement about {subject} at size {size}: {reason}",
                                                            ["subject": .text(subject), "size": .text(String(size)), "reason": .message(violation)]))
                }
            } catch {
                run.fail(.statements, seq: nil, Message("statement about {subject} at size {size}: {reason}",
                                                        ["subject": .text(subject), "size": .text(String(size)), "reason": .message(.describing(error))]))
            }
        }
    }

    /// Stored checkpoints; unparseable ones become failures instead of aborting the audit.
    private func checkpoints(lenient run: inout VerificationRun) throws -> [StoredCheckpoint] {
        let statement = try db.statement("SELECT id, tree_size, root, note FROM checkpoints ORDER BY id")
        var result = [StoredCheckpoint]()
        while try statement.step() {
            let id = statement.int(0)
            do {
                let text = try statement.checkedText(3, "checkpoints.note", maxBytes: SignedNote.maxBytes)
                let note = try SignedNote(parsing: text)
                let checkpoint = try Checkpoint(text: note.text)
                guard checkpoint.size <= Ledger.maxEntries else {
                    throw NoteError.malformedCheckpoint(Message("tree size {size} is beyond any ledger", ["size": .text("\(checkpoint.size)")]))
                }
                let columns = statement.storedValueProblem {
                    guard try statement.checkedInt(1, "checkpoints.tree_size", in: 0...Ledger.maxEntries) == checkpoint.size,
                          try statement.checkedBlob(2, "checkpoints.root", count: 32) == checkpoint.root.bytes else {
                        throw StoredValueError(path: path, column: "checkpoints.tree_size/root", problem: Message("differ from the signed note"))
                    }
                }
                if let columns { run.fail(.checkpointRoot, checkpoint: id, columns) }
                result.append(StoredCheckpoint(id: id, checkpoint: checkpoint, signedNote: text))
            } catch {
                run.fail(.checkpointSignature, checkpoint: id, Message("unreadable note: {error}", ["error": .message(.describing(error))]))
            }
        }
        return result
    }

    /// Reads entries in chunks and pipelines three stages so both cores stay busy: this thread
    /// reads chunk k+1 from SQLite and runs the order-dependent checks (chain, keys, rules, tree)
    /// of chunk k−1 while a background job decodes chunk k and checks its signatures on all cores.
    /// Signatures are checked there against the key each entry names (from every key entry in
    /// the ledger); the sequential stage then confirms that key was the active one at that point.
    private func scanEntries(_ run: inout VerificationRun, nodes: TreeNodeCursor, keys: KeyCursor, threads: Int, chunkSize: Int) throws {
        let candidates = try candidateKeys()
        let statement = try db.statement("SELECT seq, type, recorded_at, leaf_hash, body FROM entries ORDER BY seq")
        // Stepping a finished statement would silently restart the query, hence the flag.
        var exhausted = false
        func readChunk() throws -> [StoredRow] {
            var rows = [StoredRow]()
            rows.reserveCapacity(chunkSize)
            while rows.count < chunkSize, !exhausted {
                guard try statement.step() else { exhausted = true; break }
                // A value of the wrong type or size is reported, and the row still takes its
                // place in the recomputed tree, so later findings stay meaningful.
                var problems = [Message]()
                func checked<T>(_ fallback: T, _ read: () throws -> T) -> T {
                    do { return try read() } catch { problems.append(.describing(error)); return fallback }
                }
                _ = checked(0) { try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1) }
                let leafHash = checked([]) { try statement.checkedBlob(3, "entries.leaf_hash", count: 32) }
                let body = checked([]) { try statement.checkedBlob(4, "entries.body", maxCount: JSONParser.maxBytes) }
                rows.append(StoredRow(seq: statement.int(0), type: statement.text(1), recordedAt: statement.text(2),
                                      leafHash: leafHash, body: body, problems: problems))
            }
            return rows
        }
        var pending: BackgroundChunk? = nil
        var next = try readChunk()
        while true {
            let started = next.isEmpty ? nil : BackgroundChunk(rows: next, candidates: candidates, rules: rules, threads: threads)
            next = next.isEmpty ? [] : try readChunk()
            if let chunk = pending {
                let (rows, checked) = chunk.wait()
                for index in rows.indices {
                    let verifier = run.checkSequential(rows[index], checked[index].decoded, nodes: nodes, keys: keys, db: db)
                    guard let verifier, case .success(let entry) = checked[index].decoded.entry else { continue }
                    let valid = checked[index].checkedWith == verifier ? checked[index].signatureValid
                        : entry.hasValidSignature(by: verifier)
                    if !valid { run.fail(.entrySignature, seq: rows[index].seq, Message("Ed25519 signature by {name} does not verify", ["name": .text("\(verifier.name)")])) }
                }
            }
            guard let started else { break }
            pending = started
        }
    }

    /// Every key any key entry names, by signer ID; whether it may sign at a given point is
    /// decided in order by `KeyRing`.
    private func candidateKeys() throws -> [String: NoteVerifier] {
        let statement = try db.statement("SELECT body FROM entries WHERE type = 'key'")
        var keys = [String: NoteVerifier]()
        while try statement.step() {
            if let bytes = try? statement.checkedBlob(0, "entries.body", maxCount: JSONParser.maxBytes),
               let entry = try? LedgerEntry(canonicalBytes: bytes), let record = try? KeyRecord(entry.body),
               let verifier = try? NoteVerifier(vkey: record.vkey) {
                keys[LedgerEntry.signerID(verifier)] = verifier
            }
        }
        return keys
    }
}

/// A signed checkpoint from outside the ledger, named by where it came from (a file).
public struct OutsideCheckpoint: Sendable {
    public let source: String
    public let signedNote: String
    public let checkpoint: Checkpoint

    /// Parses the signed note; signatures are checked by `verify` against the ledger's keys.
    public init(source: String, signedNote: String) throws {
        self.source = source
        self.signedNote = signedNote
        checkpoint = try Checkpoint(text: SignedNote(parsing: signedNote).text)
        guard checkpoint.size <= Ledger.maxEntries else {
            throw NoteError.malformedCheckpoint(Message("tree size {size} is beyond any ledger", ["size": .text("\(checkpoint.size)")]))
        }
    }
}

/// One chunk decoded and signature-checked on all cores, started at once and awaited later.
final class BackgroundChunk: @unchecked Sendable {
    struct Checked {
        let decoded: DecodedRow
        let checkedWith: NoteVerifier?
        let signatureValid: Bool
    }

    private let rows: [StoredRow]
    private var checked: [Checked] = []
    private let done = DispatchSemaphore(value: 0)

    init(rows: [StoredRow], candidates: [String: NoteVerifier], rules: any EntryRules, threads: Int) {
        self.rows = rows
        DispatchQueue.global().async { [self] in
            checked = parallelMap(rows, jobs: threads, minimumChunk: 32) { row in
                let decoded = DecodedRow(row: row, rules: rules)
                guard case .success(let entry) = decoded.entry, let key = candidates[entry.signer] else {
                    return Checked(decoded: decoded, checkedWith: nil, signatureValid: false)
                }
                return Checked(decoded: decoded, checkedWith: key, signatureValid: entry.hasValidSignature(by: key))
            }
            done.signal()
        }
    }

    func wait() -> ([StoredRow], [Checked]) {
        done.wait()
        return (rows, checked)
    }
}

struct StoredRow {
    let seq: Int
    let type: String?
    let recordedAt: String?
    let leafHash: [UInt8]
    let body: [UInt8]
    /// Stored values of the wrong type, size or range.
    var problems: [Message] = []
}

struct DecodedRow {
    let entry: Result<LedgerEntry, EntryError>
    /// The entry's index keys by its type's rules (the same function appends use), or why the
    /// rules refuse its fields.
    let keys: Result<[IndexKey], EntryError>
    /// Leaf hash of the stored bytes, whatever they are.
    let leafHash: TreeHash

    init(row: StoredRow, rules: any EntryRules) {
        leafHash = MerkleHasher.leafHash(row.body)
        do { entry = .success(try LedgerEntry(canonicalBytes: row.body)) } catch let error as EntryError {
            entry = .failure(error)
        } catch {
            entry = .failure(.malformedJSON(offset: 0, reason: .describing(error)))
        }
        switch entry {
        case .success(let entry):
            do { keys = .success(try Ledger.indexKeys(of: entry.body, rules: rules)) } catch let error as EntryError {
                keys = .failure(error)
            } catch {
                keys = .failure(.invalidField(field: "type", reason: .describing(error)))
            }
        case .failure(let error):
            keys = .failure(error)
        }
    }
}

/// Walks `entry_keys` in seq order in step with the entries, so the stored index keys of every
/// entry are compared with the recomputed ones without loading the table into memory.
final class KeyCursor {
    private let statement: SQLiteStatement?
    private var pending: (seq: Int, key: IndexKey)?
    private var exhausted = false
    private var failure: Message?

    init(db: SQLiteConnection) {
        do {
            statement = try db.statement("SELECT seq, name, value FROM entry_keys ORDER BY seq, name, value")
        } catch {
            statement = nil
            failure = Message("reading entry_keys: {error}", ["error": .message(.describing(error))])
        }
    }

    /// The stored keys of entry `seq`; keys stored under an earlier seq that the scan skipped
    /// (no such entry) are returned as `orphans`.
    func keys(of seq: Int) -> (keys: [IndexKey], orphans: [Int]) {
        var keys = [IndexKey](), orphans = [Int]()
        while let row = next() {
            if row.seq > seq { pending = row; break }
            if row.seq < seq { orphans.append(row.seq) } else { keys.append(row.key) }
        }
        return (keys, orphans)
    }

    private func next() -> (seq: Int, key: IndexKey)? {
        if let row = pending { pending = nil; return row }
        guard let statement, !exhausted else { return nil }
        do {
            guard try statement.step() else { exhausted = true; return nil }
            return (statement.int(0), IndexKey(statement.text(1) ?? "", statement.text(2) ?? ""))
        } catch {
            exhausted = true
            failure = Message("reading entry_keys: {error}", ["error": .message(.describing(error))])
            return nil
        }
    }

    /// Stored keys of entries beyond the last one are reported too.
    func finish(_ run: inout VerificationRun) {
        if let failure { run.fail(.storedColumns, seq: nil, failure) }
        var extra = Set<Int>()
        while let row = next() { extra.insert(row.seq) }
        if let first = extra.min() {
            run.fail(.storedColumns, seq: nil, Message("index keys stored for {extra_count} entries that do not exist (first: seq {first})", ["extra_count": .text("\(extra.count)"), "first": .text("\(first)")]))
        }
    }
}

/// `EarlierEntries` during `verify`: entries before `seq`. Leaf hashes are the recomputed ones;
/// key lookups use the stored index, whose rows for every earlier entry have been compared with
/// the recomputed keys already (a mismatch is reported there).
struct EarlierInVerify: EarlierEntries {
    let db: SQLiteConnection
    let leafHashes: LeafHashList
    let seq: Int

    func firstSeq(type: String, key: IndexKey) throws -> Int? {
        try StoredEntries(db: db).firstSeq(type: type, key: key, before: seq)
    }

    func body(seq other: Int) throws -> EntryBody? {
        guard other >= 0, other < seq else { return nil }
        return try StoredEntries(db: db).body(seq: other)
    }

    func leafHash(seq other: Int) throws -> TreeHash? {
        guard other >= 0, other < seq, other < leafHashes.hashes.count else { return nil }
        return leafHashes.hashes[other]
    }
}

/// Walks `tree_nodes` level by level in index order, in step with the recomputed tree, so every
/// stored interior hash is compared exactly once without loading the table into memory.
final class TreeNodeCursor {
    private let db: SQLiteConnection
    private var cursors: [Int: SQLiteStatement] = [:]

    init(db: SQLiteConnection) throws { self.db = db }

    /// The stored hash of the next node of `level`, which must be `index`.
    func check(_ node: NodeID, computed: TreeHash, run: inout VerificationRun, seq: Int) {
        do {
            let statement = try cursor(level: node.level)
            guard try statement.step() else {
                run.fail(.treeHashes, seq: seq, Message("stored hash of {node} is missing", ["node": .message(node.message)]))
                return
            }
            let index = try statement.checkedInt(0, "tree_nodes.idx", in: 0...Ledger.maxEntries)
            guard index == node.index else {
                run.fail(.treeHashes, seq: seq, Message("expected {node}, found stored index {index}", ["node": .message(node.message), "index": .text("\(index)")]))
                return
            }
            if TreeHash(bytes: try statement.checkedBlob(1, "tree_nodes.hash", count: 32)) != computed {
                run.fail(.treeHashes, seq: seq, Message("stored hash of {node} differs from the recomputed {computed}", ["node": .message(node.message), "computed": .text("\(computed)")]))
            }
        } catch {
            run.fail(.treeHashes, seq: seq, Message("reading {node}: {error}", ["node": .message(node.message), "error": .message(.describing(error))]))
        }
    }

    private func cursor(level: Int) throws -> SQLiteStatement {
        if let statement = cursors[level] { return statement }
        // Distinct SQL text per level so each level has its own cached, independently stepping statement.
        let statement = try db.statement("SELECT idx, hash FROM tree_nodes WHERE level = \(level) ORDER BY idx")
        cursors[level] = statement
        return statement
    }

    /// Stored nodes beyond the recomputed tree are reported too.
    func finish(_ run: inout VerificationRun) {
        do {
            let statement = try db.statement("SELECT level, idx FROM tree_nodes ORDER BY level, idx")
            var expected = [Int: Int]()
            var level = 1
            while (run.treeSize >> level) > 0 {
                expected[level] = run.treeSize >> level
                level += 1
            }
            var counts = [Int: Int]()
            while try statement.step() { counts[statement.int(0), default: 0] += 1 }
            for (level, count) in counts.sorted(by: { $0.key < $1.key }) where count > expected[level, default: 0] {
                run.fail(.treeHashes, seq: nil, Message("{count} extra stored hashes at level {level}", ["count": .text("\(count - expected[level, default: 0])"), "level": .text("\(level)")]))
            }
        } catch {
            run.fail(.treeHashes, seq: nil, Message("reading tree_nodes: {error}", ["error": .message(.describing(error))]))
        }
    }
}

/// The recomputed leaf hashes by seq (32 bytes per entry), shared by reference so that handing
/// them to each entry's rule check never copies the list.
final class LeafHashList {
    var hashes: [TreeHash] = []
}
