import Localization

/// What a reader that keeps answers derived from the ledger (the public server's caches) needs
/// to know when they go stale: how far the ledger has grown (with `indexKeys(seqs:)`, what the
/// new entries touched), and one snapshot to read an answer in.
extension Ledger {
    /// The tree size with SQLite's schema cookie, read together. Entries are append-only (the
    /// schema's triggers refuse updates and deletes), so answers about old entries stay true
    /// while the size grows; the cookie changes when the schema does, e.g. when someone drops
    /// those triggers to edit rows, and then nothing derived earlier can be trusted.
    public struct ChangeStamp: Equatable, Sendable {
        public let size: Int
        public let schemaVersion: Int
    }

    public func changeStamp() throws -> ChangeStamp {
        try run {
            let statement = try db.statement("SELECT MAX(seq), (SELECT schema_version FROM pragma_schema_version) FROM entries")
            defer { statement.reset() }
            guard try statement.step() else { throw LedgerError.notALedger(path: path, reason: Message("no schema version")) }
            let size = statement.isNull(0) ? 0 : try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1) + 1
            return ChangeStamp(size: size, schemaVersion: try statement.checkedInt(1, "schema_version", in: Int(Int32.min)...Int(UInt32.max)))
        }
    }

    /// Runs `body`'s reads on one snapshot of the ledger: they all see the same committed state,
    /// even while another process appends.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try run { try db.readTransaction(body) }
    }
}
