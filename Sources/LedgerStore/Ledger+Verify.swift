import Dispatch
import Foundation
import MerkleLog

extension Ledger {
    /// The inspector's full audit: every entry re-encodes to its stored bytes; seq is contiguous;
    /// the prev chain, stored leaf hashes, index columns and every stored tree hash are recomputed;
    /// each entry's signature verifies under the key active at that point; timestamps never go
    /// back; domain rules hold; every stored checkpoint is signed, matches the recomputed root,
    /// is consistent with the others, and no two of one size disagree.
    ///
    /// `trustedKeys` pins the ledger's keys: entry 0 must add one of them and checkpoints must be
    /// signed by one. Without them the ledger's own key entries are trusted (trust on first use),
    /// and the report says so. Signatures are checked on `threads` threads.
    public func verify(trustedKeys: [NoteVerifier] = [], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> VerificationReport {
        try run {
            try db.readTransaction {
                var run = VerificationRun(trustedKeys: trustedKeys)
                for problem in try integrityCheck() { run.fail(.storage, seq: nil, problem) }
                let stored = try checkpoints(lenient: &run)
                run.rootsWanted = Set(stored.map(\.checkpoint.size))
                let nodeCursor = try TreeNodeCursor(db: db)
                try scanEntries(&run, nodes: nodeCursor, threads: max(1, threads))
                nodeCursor.finish(&run)
                run.checkCheckpoints(stored, ledgerOrigin: origin, db: db)
                return run.report(path: path)
            }
        }
    }

    /// Stored checkpoints; unparseable ones become failures instead of aborting the audit.
    private func checkpoints(lenient run: inout VerificationRun) throws -> [StoredCheckpoint] {
        let statement = try db.statement("SELECT id, tree_size, root, note FROM checkpoints ORDER BY id")
        var result = [StoredCheckpoint]()
        while try statement.step() {
            let id = statement.int(0)
            let text = statement.text(3) ?? ""
            do {
                let note = try SignedNote(parsing: text)
                let checkpoint = try Checkpoint(text: note.text)
                if checkpoint.size != statement.int(1) || checkpoint.root.bytes != statement.blob(2) {
                    run.fail(.checkpointRoot, checkpoint: id, "the size/root columns differ from the signed note")
                }
                result.append(StoredCheckpoint(id: id, checkpoint: checkpoint, signedNote: text))
            } catch {
                run.fail(.checkpointSignature, checkpoint: id, "unreadable note: \(error)")
            }
        }
        return result
    }

    /// Reads entries in chunks; decoding and signature checks run in parallel, the order-dependent
    /// checks (chain, keys, rules, tree) sequentially.
    private func scanEntries(_ run: inout VerificationRun, nodes: TreeNodeCursor, threads: Int) throws {
        let statement = try db.statement("""
            SELECT seq, type, lot_code, origin_code, upload_digest, recorded_at, leaf_hash, body FROM entries ORDER BY seq
            """)
        let chunkSize = 4096
        var rows = [StoredRow]()
        rows.reserveCapacity(chunkSize)
        var more = true
        while more {
            rows.removeAll(keepingCapacity: true)
            while rows.count < chunkSize {
                guard try statement.step() else { more = false; break }
                rows.append(StoredRow(seq: statement.int(0), type: statement.text(1), lotCode: statement.text(2),
                                      originCode: statement.text(3), uploadDigest: statement.text(4),
                                      recordedAt: statement.text(5), leafHash: statement.blob(6), body: statement.blob(7)))
            }
            if rows.isEmpty { break }
            let decoded = parallelMap(rows, threads: threads) { DecodedRow(row: $0) }
            var verifiers = [NoteVerifier?](repeating: nil, count: rows.count)
            for index in rows.indices {
                verifiers[index] = run.checkSequential(rows[index], decoded[index], nodes: nodes)
            }
            let signatureOK = parallelMap(Array(rows.indices), threads: threads) { index -> Bool in
                guard let verifier = verifiers[index], case .success(let entry) = decoded[index].entry else { return true }
                return entry.hasValidSignature(by: verifier)
            }
            for index in rows.indices where !signatureOK[index] {
                run.fail(.entrySignature, seq: rows[index].seq, "Ed25519 signature by \(verifiers[index]!.name) does not verify")
            }
        }
    }
}

/// Splits `items` into `threads` contiguous slices processed concurrently; results keep order.
/// Each slice writes only its own output range, which is why the unchecked sharing is sound.
func parallelMap<T, R>(_ items: [T], threads: Int, _ transform: (T) -> R) -> [R] {
    if threads <= 1 || items.count < 64 { return items.map(transform) }
    var results = [R?](repeating: nil, count: items.count)
    withoutActuallyEscaping(transform) { transform in
        results.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable((items, out, transform))
            let slice = (items.count + threads - 1) / threads
            DispatchQueue.concurrentPerform(iterations: threads) { part in
                let (items, out, transform) = shared.value
                let start = part * slice, end = min(items.count, start + slice)
                guard start < end else { return }
                for index in start..<end { out[index] = transform(items[index]) }
            }
        }
    }
    return results.map { $0! }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

struct StoredRow {
    let seq: Int
    let type: String?
    let lotCode: String?
    let originCode: String?
    let uploadDigest: String?
    let recordedAt: String?
    let leafHash: [UInt8]
    let body: [UInt8]
}

struct DecodedRow {
    let entry: Result<LedgerEntry, EntryError>
    /// Leaf hash of the stored bytes, whatever they are.
    let leafHash: TreeHash

    init(row: StoredRow) {
        leafHash = MerkleHasher.leafHash(row.body)
        do { entry = .success(try LedgerEntry(canonicalBytes: row.body)) } catch let error as EntryError {
            entry = .failure(error)
        } catch {
            entry = .failure(.malformedJSON(offset: 0, reason: "\(error)"))
        }
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
                run.fail(.treeHashes, seq: seq, "stored hash of \(node) is missing")
                return
            }
            let index = statement.int(0)
            guard index == node.index else {
                run.fail(.treeHashes, seq: seq, "expected \(node), found stored index \(index)")
                return
            }
            if TreeHash(bytes: statement.blob(1)) != computed {
                run.fail(.treeHashes, seq: seq, "stored hash of \(node) differs from the recomputed \(computed)")
            }
        } catch {
            run.fail(.treeHashes, seq: seq, "reading \(node): \(error)")
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
                run.fail(.treeHashes, seq: nil, "\(count - expected[level, default: 0]) extra stored hashes at level \(level)")
            }
        } catch {
            run.fail(.treeHashes, seq: nil, "reading tree_nodes: \(error)")
        }
    }
}
