import MerkleLog

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
    private var checkpointsChecked = 0
    private var distinctCheckpointSizes = 0
    private var outsideCheckpointsChecked = 0

    init(trustedKeys: [NoteVerifier], rules: any EntryRules) {
        self.trustedKeys = trustedKeys
        self.rules = rules
        chain = EntryChain(trustedKeys: trustedKeys, rules: rules)
    }

    mutating func fail(_ check: VerificationReport.Check, seq: Int?, _ message: String) {
        failureCount += 1
        // Keep the earliest problems; after the first few per check, later ones are cascades.
        guard failures.count < VerificationReport.maxFailures else { return }
        failures.append(.init(check: check, seq: seq, checkpointID: nil, message: message))
    }

    mutating func fail(_ check: VerificationReport.Check, checkpoint id: Int, _ message: String) {
        guard failures.count < VerificationReport.maxFailures else { return }
        failures.append(.init(check: check, seq: nil, checkpointID: id, message: message))
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
            if leaf.bytes != row.leafHash { fail(.storedColumns, seq: seq, "stored leaf_hash differs from SHA-256(0x00 || bytes) = \(leaf)") }
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
            fail(.canonicalBytes, seq: seq, error.description)
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
            fail(.storedColumns, seq: seq, "stored type or recorded_at column differs from the entry")
        }
        if case .success(let keys) = decoded.keys, stored.keys != keys {
            fail(.storedColumns, seq: seq, "stored index keys [\(stored.keys.map(\.description).joined(separator: ", "))] differ from the entry's [\(keys.map(\.description).joined(separator: ", "))]")
        }
        return verifier
    }

    private mutating func recordOrphans(_ orphans: [Int]) {
        for orphan in Set(orphans).sorted() {
            fail(.storedColumns, seq: orphan, "index keys are stored for seq \(orphan), which is not an entry")
        }
    }

    private mutating func record(_ problems: [EntryChain.Problem]) {
        for problem in problems { fail(problem.check, seq: problem.seq, problem.message) }
    }

    /// Signatures, roots, pairwise consistency and equivocation of the stored checkpoints.
    mutating func checkCheckpoints(_ stored: [StoredCheckpoint], ledgerOrigin: String, db: SQLiteConnection) {
        checkpointsChecked = stored.count
        let logKeys = trustedKeys.isEmpty ? chain.keysEverAdded : trustedKeys
        var rootBySize = [Int: (id: Int, root: TreeHash)]()
        for item in stored {
            let checkpoint = item.checkpoint
            if checkpoint.origin != ledgerOrigin {
                fail(.checkpointSignature, checkpoint: item.id, "origin '\(checkpoint.origin)' is not the ledger's '\(ledgerOrigin)'")
            }
            do {
                _ = try SignedNote(parsing: item.signedNote).verify(trusting: logKeys)
            } catch {
                fail(.checkpointSignature, checkpoint: item.id, "\(error)")
            }
            if let earlier = rootBySize[checkpoint.size], earlier.root != checkpoint.root {
                fail(.equivocation, checkpoint: item.id,
                     "size \(checkpoint.size) has root \(checkpoint.root) here but \(earlier.root) in checkpoint \(earlier.id)")
            }
            rootBySize[checkpoint.size] = rootBySize[checkpoint.size] ?? (item.id, checkpoint.root)
            if checkpoint.size > treeSize {
                fail(.checkpointRoot, checkpoint: item.id, "covers \(checkpoint.size) entries but the ledger has \(treeSize)")
            } else if let root = roots[checkpoint.size] ?? (checkpoint.size == 0 ? TreeHash.emptyTreeRoot : nil), root != checkpoint.root {
                fail(.checkpointRoot, checkpoint: item.id,
                     "signed root \(checkpoint.root) for size \(checkpoint.size), entries give \(root): entries before \(checkpoint.size) changed")
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
                fail(.checkpointConsistency, checkpoint: newer.value.id, "not consistent with checkpoint \(older.value.id): \(error)")
            }
        }
    }

    /// Checkpoints the inspector kept from earlier (a label's, a witness's state): each must be
    /// signed by the ledger's key, and the ledger must still contain its tree (no rollback) and
    /// extend it (its root recomputed from the entries, and a consistency proof from the stored
    /// hashes to the current tree, checked).
    mutating func checkOutside(_ outside: [OutsideCheckpoint], ledgerOrigin: String, db: SQLiteConnection) {
        outsideCheckpointsChecked = outside.count
        let logKeys = trustedKeys.isEmpty ? chain.keysEverAdded : trustedKeys
        for item in outside {
            let checkpoint = item.checkpoint
            let subject = "\(item.source) (size \(checkpoint.size))"
            do { _ = try Checkpoint.open(item.signedNote, origin: ledgerOrigin, trusting: logKeys) } catch {
                fail(.outsideCheckpoints, seq: nil, "\(subject) is not a checkpoint of this ledger signed by its key: \(error)")
                continue
            }
            guard checkpoint.size <= treeSize else {
                fail(.outsideCheckpoints, seq: nil, "\(subject): the ledger was rolled back: that checkpoint signed \(checkpoint.size) entries, the ledger now holds \(treeSize)")
                continue
            }
            if let root = roots[checkpoint.size] ?? (checkpoint.size == 0 ? TreeHash.emptyTreeRoot : nil), root != checkpoint.root {
                fail(.outsideCheckpoints, seq: nil, "\(subject): the entries give root \(root), the checkpoint signed \(checkpoint.root): history was rewritten")
                continue
            }
            do {
                let proof = try MerkleTree.consistencyProof(oldSize: checkpoint.size, newSize: treeSize, source: StoredHashes(db: db))
                try MerkleTree.verifyConsistency(oldSize: checkpoint.size, newSize: treeSize, oldRoot: checkpoint.root,
                                                 newRoot: tree.root, proof: proof)
            } catch {
                fail(.outsideCheckpoints, seq: nil, "\(subject): the ledger is not consistent with it: \(error)")
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
                                  outsideCheckpointsChecked: outsideCheckpointsChecked, distinctCheckpointSizes: distinctCheckpointSizes)
    }
}
