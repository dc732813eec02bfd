import LedgerStore
import MerkleLog

/// A cooperative's entries already verified, as the ledger rules ask about them
/// (`EarlierEntries`): the first entry carrying an index key, bodies and leaf hashes by seq.
/// Held in memory while the cooperative is followed and rebuilt from the database after a restart.
final class KnownEntries: EarlierEntries {
    private(set) var leafHashes: [TreeHash] = []
    private var bodies: [EntryBody] = []
    private var first: [String: Int] = [:]

    var count: Int { leafHashes.count }

    func add(_ entry: LedgerEntry, keys: [IndexKey]) {
        precondition(entry.seq == leafHashes.count, "entries are added in seq order")
        for key in keys {
            let name = Self.lookup(type: entry.type, key: key)
            if first[name] == nil { first[name] = entry.seq }
        }
        leafHashes.append(entry.leafHash)
        bodies.append(entry.body)
    }

    func firstSeq(type: String, key: IndexKey) throws -> Int? { first[Self.lookup(type: type, key: key)] }

    func body(seq: Int) throws -> EntryBody? { bodies.indices.contains(seq) ? bodies[seq] : nil }

    func leafHash(seq: Int) throws -> TreeHash? { leafHashes.indices.contains(seq) ? leafHashes[seq] : nil }

    /// The root of the first `size` leaves.
    func root(size: Int) -> TreeHash {
        var tree = MerkleAccumulator()
        for leaf in leafHashes.prefix(size) { tree.append(leafHash: leaf) }
        return tree.root
    }

    private static func lookup(type: String, key: IndexKey) -> String { "\(type)\u{0}\(key.name)\u{0}\(key.value)" }
}
