import MerkleLog
import Localization

/// A (name, value) pair an entry can be looked up by, e.g. `lot_code` = `LOT-1`. The entry's
/// `EntryRules` derive its keys from its body; the ledger stores and indexes them, and `verify`
/// recomputes them.
public struct IndexKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Byte order of name, then value: SQLite's order for TEXT, so stored and computed lists compare directly.
    public static func < (a: IndexKey, b: IndexKey) -> Bool {
        a.name != b.name ? a.name.utf8.lexicographicallyPrecedes(b.name.utf8) : a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
    }

    public var description: String { "\(name)=\(value)" }
}

/// What entry types mean: supplied by the domain when it opens a ledger. The ledger runs the same
/// two hooks before signing an append and again in `verify`, so an entry the rules accepted when
/// it was written is judged by the same code when it is read.
///
/// `key` entries are the ledger's own (`KeyRecord`); rules never see them.
public protocol EntryRules: Sendable {
    /// The entry types these rules define.
    var types: Set<String> { get }

    /// Checks `body`'s own fields (required fields, identifier syntax, no unknown fields) and
    /// returns the keys it is indexed by. `body` is as stored: strings in NFC, already through
    /// `EntryValidator`. Throws `EntryError`.
    func validate(_ body: EntryBody) throws -> [IndexKey]

    /// The rule that entry `seq` breaks given the entries before it (e.g. "names an unregistered
    /// lot"), or nil. `earlier` answers questions about entries `0..<seq` only.
    func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> Message?
}

/// The ledger as it stood before the entry being checked (including earlier entries of the same
/// append), for `EntryRules.violation`.
public protocol EarlierEntries {
    /// The first earlier entry of `type` that carries `key`.
    func firstSeq(type: String, key: IndexKey) throws -> Int?
    /// The body of earlier entry `seq`; nil when `seq` is not earlier.
    func body(seq: Int) throws -> EntryBody?
    /// The leaf hash of earlier entry `seq`; nil when `seq` is not earlier or, within one append,
    /// not yet signed.
    func leafHash(seq: Int) throws -> TreeHash?
}
