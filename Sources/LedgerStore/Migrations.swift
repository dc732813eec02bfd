/// Frozen, versioned schema migrations. Migration N brings `PRAGMA user_version` from N−1 to N.
/// Never edit a released migration: append a new one.
enum Migrations {
    static let all: [String] = [
        // 1: entries (one row per Merkle leaf), stored complete-subtree hashes, checkpoints.
        """
        CREATE TABLE ledger_meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE entries (
            seq           INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 0),
            type          TEXT NOT NULL,
            lot_code      TEXT,
            origin_code   TEXT,
            upload_digest TEXT,
            recorded_at   TEXT NOT NULL,
            leaf_hash     BLOB NOT NULL,
            body          BLOB NOT NULL
        ) STRICT;
        CREATE INDEX entries_by_type ON entries (type, seq);
        CREATE INDEX entries_by_lot ON entries (lot_code, seq) WHERE lot_code IS NOT NULL;
        CREATE INDEX entries_by_origin ON entries (origin_code, seq) WHERE origin_code IS NOT NULL;
        CREATE INDEX entries_by_upload ON entries (lot_code, upload_digest) WHERE upload_digest IS NOT NULL;
        CREATE INDEX entries_by_leaf ON entries (leaf_hash);
        CREATE TABLE tree_nodes (
            level INTEGER NOT NULL CHECK (level >= 1),
            idx   INTEGER NOT NULL CHECK (idx >= 0),
            hash  BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE checkpoints (
            id        INTEGER PRIMARY KEY,
            tree_size INTEGER NOT NULL,
            root      BLOB NOT NULL,
            note      TEXT NOT NULL
        ) STRICT;
        CREATE INDEX checkpoints_by_size ON checkpoints (tree_size);
        CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
        CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
        CREATE TRIGGER tree_nodes_append_only_update BEFORE UPDATE ON tree_nodes
            BEGIN SELECT RAISE(ABORT, 'tree hashes are append-only'); END;
        CREATE TRIGGER tree_nodes_append_only_delete BEFORE DELETE ON tree_nodes
            BEGIN SELECT RAISE(ABORT, 'tree hashes are append-only'); END;
        CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
        CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
        """,
        // 2: the store stops knowing the domain. The lot/origin/upload columns become generic
        // index keys (name, value) per entry, derived by the domain's rules; the values move
        // over unchanged (the domain derives the same keys under the same names).
        """
        CREATE TABLE entry_keys (
            seq   INTEGER NOT NULL CHECK (seq >= 0),
            name  TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (name, value, seq)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX entry_keys_by_seq ON entry_keys (seq, name, value);
        INSERT INTO entry_keys (seq, name, value) SELECT seq, 'lot_code', lot_code FROM entries WHERE lot_code IS NOT NULL;
        INSERT INTO entry_keys (seq, name, value) SELECT seq, 'origin_code', origin_code FROM entries WHERE origin_code IS NOT NULL;
        INSERT INTO entry_keys (seq, name, value) SELECT seq, 'upload_digest', upload_digest FROM entries WHERE upload_digest IS NOT NULL;
        DROP INDEX entries_by_lot;
        DROP INDEX entries_by_origin;
        DROP INDEX entries_by_upload;
        ALTER TABLE entries DROP COLUMN lot_code;
        ALTER TABLE entries DROP COLUMN origin_code;
        ALTER TABLE entries DROP COLUMN upload_digest;
        CREATE TRIGGER entry_keys_append_only_update BEFORE UPDATE ON entry_keys
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
        CREATE TRIGGER entry_keys_append_only_delete BEFORE DELETE ON entry_keys
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
        """,
        // 3: signed statements about a subject under a checkpoint (a lot's "these are all of its
        // entries"), signed with the checkpoint by whoever holds the key, so a public server can
        // serve them without the key. `statement_runs`: tree sizes whose statements are complete.
        """
        CREATE TABLE statements (
            subject   TEXT NOT NULL,
            tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
            note      TEXT NOT NULL,
            PRIMARY KEY (subject, tree_size)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE statement_runs (
            tree_size INTEGER PRIMARY KEY NOT NULL CHECK (tree_size >= 0)
        ) STRICT;
        CREATE TRIGGER statements_append_only_update BEFORE UPDATE ON statements
            BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
        CREATE TRIGGER statements_append_only_delete BEFORE DELETE ON statements
            BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
        CREATE TRIGGER statement_runs_append_only_update BEFORE UPDATE ON statement_runs
            BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
        CREATE TRIGGER statement_runs_append_only_delete BEFORE DELETE ON statement_runs
            BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
        """,
    ]

    static var latestVersion: Int { all.count }

    /// Applies pending migrations, each in its own immediate transaction.
    static func migrate(_ db: SQLiteConnection) throws {
        while true {
            let applied = try db.immediateTransaction { () throws -> Bool in
                let version = try db.singleInteger("PRAGMA user_version") ?? 0
                guard version < latestVersion else {
                    if version > latestVersion || version < 0 {
                        throw LedgerError.unsupportedSchema(path: db.path, version: version, supported: latestVersion)
                    }
                    return false
                }
                guard version >= 0 else { throw LedgerError.unsupportedSchema(path: db.path, version: version, supported: latestVersion) }
                try db.execute(all[version])
                try db.execute("PRAGMA user_version = \(version + 1)")
                return true
            }
            if !applied { return }
        }
    }
}
