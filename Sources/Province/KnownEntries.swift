import LedgerStore
import MerkleLog

/// A cooperative's entries already verified, as the ledger rules ask about them
/// (`EarlierEntries`): the first entry carrying an index key, bodies and leaf hashes by seq, and
/// the Merkle tree over them (every complete node kept, for roots of earlier sizes and the
/// consistency proofs a cosignature needs). Held in memory while the cooperative is followed and
/// rebuilt from the database after a restart.
final class KnownEntries: EarlierEntries {
    private(set) var tree = InMemoryTree()
    private var bodies: [EntryBody] = []
    private var first: [String: Int] = [:]

    var count: Int { tree.size }

    func add(_ entry: LedgerEntry, keys: [IndexKey]) {
        precondition(entry.seq == tree.size, "entries are added in seq order")
        for key in keys {
            let name = Self.lookup(type: entry.type, key: key)
            if first[name] == nil { first[name] = entry.seq }
        }
        tree.append(leafHash: entry.leafHash)
        bodies.append(entry.body)
    }

    func firstSeq(type: String, key: IndexKey) throws -> Int? { first[Self.lookup(type: type, key: key)] }

    func body(seq: Int) throws -> EntryBody? { bodies.indices.contains(seq) ? bodies[seq] : nil }

    func leafHash(seq: Int) throws -> TreeHash? { tree.levels[0].indices.contains(seq) ? tree.levels[0][seq] : nil }

    /// The root of the first `size` leaves (`size` at most `count`).
    func root(size: Int) throws -> TreeHash { try MerkleTree.root(size: size, source: tree) }

    /// The RFC 9162 consistency proof from the first `oldSize` leaves to the first `newSize`.
    func consistencyProof(oldSize: Int, newSize: Int) throws -> [TreeHash] {
        try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize, source: tree)
    }

    private static func lookup(type: String, key: IndexKey) -> String { "\(type)\u{0}\(key.name)\u{0}\(key.value)" }
}
