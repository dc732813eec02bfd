import MerkleLog

/// Raw reads for serving the log as C2SP tlog-tiles: stored hashes and entry bytes by range, as
/// stored. Nothing is decoded or re-checked here: a tile client recomputes every hash, so a row
/// edited in the file shows up as a mismatch on the client's side rather than being hidden.
extension Ledger {
    /// The stored hashes of the complete nodes `(level, first ..< first + count)`, in order; fewer
    /// when the tree does not have that many nodes at `level` yet. Level 0 is the leaf hashes.
    public func storedNodeHashes(level: Int, first: Int, count: Int) throws -> [TreeHash] {
        precondition(level >= 0 && first >= 0 && count >= 0)
        return try run {
            let statement: SQLiteStatement
            if level == 0 {
                statement = try db.statement("SELECT seq, leaf_hash FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq")
                try statement.bind(.integer(first), .integer(first + count))
            } else {
                statement = try db.statement("SELECT idx, hash FROM tree_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx")
                try statement.bind(.integer(level), .integer(first), .integer(first + count))
            }
            var hashes = [TreeHash]()
            hashes.reserveCapacity(count)
            while try statement.step() {
                // A gap (a deleted row) ends the run: hashes after it would sit at the wrong offset.
                guard try statement.checkedInt(0, level == 0 ? "entries.seq" : "tree_nodes.idx", in: 0...Ledger.maxEntries) == first + hashes.count
                else { break }
                guard let hash = TreeHash(bytes: try statement.checkedBlob(1, level == 0 ? "entries.leaf_hash" : "tree_nodes.hash", count: 32))
                else { throw MerkleError.missingNode(NodeID(level: level, index: first + hashes.count)) }
                hashes.append(hash)
            }
            return hashes
        }
    }

    /// The stored bytes of entries `range` (the Merkle leaves), in seq order, stopping at a gap.
    public func storedEntryBytes(seqs range: Range<Int>) throws -> [[UInt8]] {
        try run {
            let statement = try db.statement("SELECT seq, body FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq")
            try statement.bind(.integer(range.lowerBound), .integer(range.upperBound))
            var bodies = [[UInt8]]()
            while try statement.step() {
                guard try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries) == range.lowerBound + bodies.count else { break }
                bodies.append(try statement.checkedBlob(1, "entries.body", maxCount: JSONParser.maxBytes))
            }
            return bodies
        }
    }
}
