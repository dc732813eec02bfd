import MerkleLog
import Localization

/// The order-dependent state of one `verify` pass: chain, keys, registries and tree.
struct VerificationRun {
    let trustedKeys: [NoteVerifier]
    let rules: any EntryRules
    private(set) var failures: [VerificationReport.Failure] = []
    private var failureCount = 0

    private(set) var treeSize = 0
    /// Seq contiguity, prev chain, timestamps, keys and domain rules: the checks every reader shares.
    private var chain: EntryChain
    /// Leaf hashes by seq, for rules that pin earlier entries.
    private let leafHashes = LeafHashList()
    private var tree = MerkleAccumulator()
    /// Checkpoint sizes whose recomputed roots are recorded in `roots`.
    var rootsWanted = Set<Int>()
    private(set) var roots: [Int: TreeHash] = [:]
    /// The keys checkpoints (and statements) must be signed by.
    var logKeys: [NoteVerifier] { trustedKeys.isEmpty ? chain.keysEverAdded : trustedKeys }
    private var checkpointsChecked = 0
    private var distinctCheckpointSizes = 0
    private var outsideCheckpointsChecked = 0
    var statementsChecked = 0

    init(trustedKeys: [NoteVerifier], rules: any EntryRules) {
        self.trustedKeys = trustedKeys
        self.rules = rules
        chain = EntryChain(trustedKeys: trustedKeys, rules: rules)
    }

    mutating func fail(_ check: VerificationReport.Check, seq: Int?, _ message: Message, keyMismatch: Bool = false) {
        failureCount += 1
        // Keep the earliest problems; after the first few per check, later ones are cascades.
        guard failures.count < VerificationReport.maxFailures else { return }
        failures.append(.init(check: check, seq: seq, checkpointID: nil, message: message, isKeyMismatch: keyMismatch))
    }

    mutating func fail(_ check: VerificationReport.Check, checkpoint id: Int, _ message: Message, keyMismatch: Bool = false) {
        guard failures.count < VerificationReport.maxFailures else { return }
        failures.append(.init(check: check, seq: nil, checkpointID: id, message: message, isKeyMismatch: keyMismatch))
    }

    /// A signature check that failed only because no given key signed it (the note itself is
    /// well-formed and carries no bad signature of a given key).
    func isKeyMismatch(_ error: any Error) -> Bool {
        guard !trustedKeys.isEmpty, case NoteError.noVerifiedSignature = error else { return false }
        return true
    }

    /// Everything about one row that depends on the rows before it. Returns the key its signature
    /// must verify under (nil when the entry is unreadable or its signer is not active).
    mutating func checkSequential(_ row: StoredRow, _ decoded: DecodedRow, nodes: TreeNodeCursor, keys storedKeys: KeyCursor,
                                  db: SQLiteConnection) -> NoteVerifier? {
        let seq = row.seq
        for problem in row.problems { fail(.storedColumns, seq: seq, problem) }

        // The tree is rebuilt from the stored bytes, so any change shows up in roots and nodes.
        let leaf = decoded.leafHash
        // Runs after the entry's own checks, so those are reported first for this seq.
        defer {
            if leaf.bytes != row.leafHash { fail(.storedColumns, seq: seq, Message("stored leaf_hash differs from SHA-256(0x00 || bytes) = {leaf}", ["leaf": .text("\(leaf)")])) }
            for (node, hash) in tree.append(leafHash: leaf) { nodes.check(node, computed: hash, run: &self, seq: seq) }
            treeSize = tree.size
            if rootsWanted.contains(treeSize) { roots[treeSize] = tree.root }
            leafHashes.hashes.append(leaf)
        }

        let stored = storedKeys.keys(of: seq)
        // Seq contiguity is reported first for this entry (a gap explains what follows).
        let entry: LedgerEntry
        switch decoded.entry {
        case .failure(let error):
            record(chain.skip(seq: seq, leafHash: leaf))
            recordOrphans(stored.orphans)
            fail(.canonicalBytes, seq: seq, error.message)
            return nil
        case .success(let value):
            entry = value
        }
        let earlier = EarlierInVerify(db: db, leafHashes: leafHashes, seq: seq)
        let (problems, verifier) = chain.admit(entry, seq: seq, leafHash: leaf, indexKeys: decoded.keys, earlier: earlier)
        record(problems.filter { $0.check == .seqContiguity })
        recordOrphans(stored.orphans)
        record(problems.filter { $0.check != .seqContiguity })
        if row.type != entry.body.type || row.recordedAt != entry.recordedAt {
            fail(.storedColumns, seq: seq, Message("stored type or recorded_at column differs from the entry"))
        }
        if case .success(let keys) = decoded.keys, stored.keys != keys {
            fail(.storedColumns, seq: seq, Message("stored index keys [{stored}] differ from the entry's [{computed}]", ["stored": .text("\(stored.keys.map(\.description).joined(separator: ", "))"), "computed": .text("\(keys.map(\.description).joined(separator: ", "))")]))
        }
        return verifier
    }

    private mutating func recordOrphans(_ orphans: [Int]) {
        for orphan in Set(orphans).sorted() {
            fail(.storedColumns, seq: orphan, Message("index keys are stored for seq {orphan}, which is not an entry", ["orphan": .text("\(orphan)")]))
        }
    }

    private mutating func record(_ problems: [EntryChain.Problem]) {
        for problem in problems { fail(problem.check, seq: problem.seq, problem.message, keyMismatch: problem.isKeyMismatch) }
    }

    /// Signatures, roots, pairwise consistency and equivocation of the stored checkpoints.
    mutating func checkCheckpoints(_ stored: [StoredCheckpoint], ledgerOrigin: String, db: SQLiteConnection) {
        checkpointsChecked = stored.count
                var rootBySize = [Int: (id: Int, root: TreeHash)]()
        for item in stored {
            let checkpoint = item.checkpoint
            if checkpoint.origin != ledgerOrigin {
                fail(.checkpointSignature, checkpoint: item.id, Message("origin '{origin}' is not the ledger's '{ledger_origin}'", ["origin": .text("\(checkpoint.origin)"), "ledger_origin": .text("\(ledgerOrigin)")]))
            }
            do {
                _ = try SignedNote(parsing: item.signedNote).verify(trusting: logKeys)
            } catch {
                fail(.checkpointSignature, checkpoint: item.id, .describing(error), keyMismatch: isKeyMismatch(error))
            }
            if let earlier = rootBySize[checkpoint.size], earlier.root != checkpoint.root {
                fail(.equivocation, checkpoint: item.id,
                     Message("size {size} has root {root} here but {other_root} in checkpoint {id}", ["size": .text("\(checkpoint.size)"), "root": .text("\(checkpoint.root)"), "other_root": .text("\(earlier.root)"), "id": .text("\(earlier.id)")]))
            }
            rootBySize[checkpoint.size] = rootBySize[checkpoint.size] ?? (item.id, checkpoint.root)
            if checkpoint.size > treeSize {
                fail(.checkpointRoot, checkpoint: item.id, Message("covers {size} entries but the ledger has {tree_size}", ["size": .text("\(checkpoint.size)"), "tree_size": .text("\(treeSize)")]))
            } else if let root = roots[checkpoint.size] ?? (checkpoint.size == 0 ? TreeHash.emptyTreeRoot : nil), root != checkpoint.root {
                fail(.checkpointRoot, checkpoint: item.id,
                     Message("signed root {root} for size {size}, entries give {computed_root}: entries before {size} changed", ["root": .text("\(checkpoint.root)"), "size": .text("\(checkpoint.size)"), "computed_root": .text("\(root)")]))
            }
        }
        // Each checkpoint against the next larger one, with a proof from the stored hashes, as a
        // witness would check them.
        let bySize = rootBySize.sorted { $0.key < $1.key }
        distinctCheckpointSizes = bySize.count
        for (older, newer) in zip(bySize, bySize.dropFirst()) {
            do {
                let proof = try MerkleTree.consistencyProof(oldSize: older.key, newSize: newer.key, source: StoredHashes(db: db))
                try MerkleTree.verifyConsistency(oldSize: older.key, newSize: newer.key, oldRoot: older.value.root,
                                                 newRoot: newer.value.root, proof: proof)
            } catch {
                fail(.checkpointConsistency, checkpoint: newer.value.id, Message("not consistent with checkpoint {id}: {error}", ["id": .text("\(older.value.id)"), "error": .message(.describing(error))]))
            }
        }
    }

    /// Checkpoints the inspector kept from earlier (a label's, a witness's state): each must be
    /// signed by the ledger's key, and the ledger must still contain its tree (no rollback) and
    /// extend it (its root recomputed from the entries, and a consistency proof from the stored
    /// hashes to the current tree, checked).
    mutating func checkOutside(_ outside: [OutsideCheckpoint], ledgerOrigin: String, db: SQLiteConnection) {
        outsideCheckpointsChecked = outside.count
        for item in outside {
            let checkpoint = item.checkpoint
            let subject = Message("{file} (size {size})", context: "outside checkpoint", ["file": .text(item.source), "size": .text(String(checkpoint.size))])
            do { _ = try Checkpoint.open(item.signedNote, origin: ledgerOrigin, trusting: logKeys) } catch {
                fail(.outsideCheckpoints, seq: nil, Message("{subject} is not a checkpoint of this ledger signed by its key: {error}", ["subject": .message(subject), "error": .message(.describing(error))]),
                     keyMismatch: isKeyMismatch(error))
                continue
            }
            guard checkpoint.size <= treeSize else {
                fail(.outsideCheckpoints, seq: nil, Message("{subject}: the ledger was rolled back: that checkpoint signed {size} entries, the ledger now holds {tree_size}", ["subject": .message(subject), "size": .text("\(checkpoint.size)"), "tree_size": .text("\(treeSize)")]))
                continue
            }
            if let root = roots[checkpoint.size] ?? (checkpoint.size == 0 ? TreeHash.emptyTreeRoot : nil), root != checkpoint.root {
                fail(.outsideCheckpoints, seq: nil, Message("{subject}: the entries give root {root}, the checkpoint signed {signed_root}: history was rewritten", ["subject": .message(subject), "root": .text("\(root)"), "signed_root": .text("\(checkpoint.root)")]))
                continue
            }
            do {
                let proof = try MerkleTree.consistencyProof(oldSize: checkpoint.size, newSize: treeSize, source: StoredHashes(db: db))
                try MerkleTree.verifyConsistency(oldSize: checkpoint.size, newSize: treeSize, oldRoot: checkpoint.root,
                                                 newRoot: tree.root, proof: proof)
            } catch {
                fail(.outsideCheckpoints, seq: nil, Message("{subject}: the ledger is not consistent with it: {error}", ["subject": .message(subject), "error": .message(.describing(error))]))
            }
        }
    }

    func report(path: String) -> VerificationReport {
        let sorted = failures.enumerated().sorted { a, b in
            let (sa, sb) = (a.element.seq ?? .max, b.element.seq ?? .max)
            return sa != sb ? sa < sb : a.offset < b.offset
        }.map(\.element)
        return VerificationReport(path: path, entriesChecked: treeSize, checkpointsChecked: checkpointsChecked,
                                  treeSize: treeSize, root: tree.root, keysPinned: !trustedKeys.isEmpty, failures: sorted,
                                  outsideCheckpointsChecked: outsideCheckpointsChecked, distinctCheckpointSizes: distinctCheckpointSizes,
                                  statementsChecked: statementsChecked, firstKey: chain.firstKey?.vkey)
    }
}
