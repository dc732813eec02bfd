/// The database schema, by versioned migrations. Each migration is frozen once released: a
/// database at version N runs exactly migrations N+1... in order, each in its own transaction
/// together with its row in `schema_migrations`, so a failed migration leaves the database at the
/// previous version. A database whose version is newer than this program knows is refused.
public struct Migration: Sendable {
    public let version: Int
    public let description: String
    public let sql: [String]

    public init(version: Int, description: String, sql: [String]) {
        self.version = version
        self.description = description
        self.sql = sql
    }
}

public enum Migrations {
    /// Frozen: add new versions at the end, never edit a released one.
    public static let all: [Migration] = [
        Migration(version: 1, description: "cooperatives, entries, index keys, lots, origins, gradings, checkpoints, evidence", sql: [
            """
            CREATE TABLE cooperatives (
                id          SERIAL PRIMARY KEY,
                name        TEXT NOT NULL UNIQUE,
                base_url    TEXT NOT NULL,
                vkey        TEXT NOT NULL,
                -- entries stored (0..<tree_size), every one verified; the tree of them was last
                -- checked against checkpoint_size's signed root
                tree_size   BIGINT NOT NULL DEFAULT 0 CHECK (tree_size >= 0),
                checkpoint_size BIGINT NOT NULL DEFAULT 0 CHECK (checkpoint_size >= 0),
                checkpoint_root BYTEA,
                checkpoint_note TEXT,
                status      TEXT NOT NULL DEFAULT 'following' CHECK (status IN ('following', 'halted')),
                halt_reason TEXT,
                last_error  TEXT,
                last_error_at TIMESTAMPTZ,
                last_success_at TIMESTAMPTZ
            )
            """,
            """
            CREATE TABLE entries (
                cooperative_id INT NOT NULL REFERENCES cooperatives(id),
                seq         BIGINT NOT NULL CHECK (seq >= 0),
                type        TEXT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                leaf_hash   BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
                body        BYTEA NOT NULL,
                PRIMARY KEY (cooperative_id, seq)
            )
            """,
            """
            CREATE TABLE entry_keys (
                cooperative_id INT NOT NULL,
                seq         BIGINT NOT NULL,
                name        TEXT NOT NULL,
                value       TEXT NOT NULL,
                PRIMARY KEY (cooperative_id, seq, name, value),
                FOREIGN KEY (cooperative_id, seq) REFERENCES entries (cooperative_id, seq)
            )
            """,
            "CREATE INDEX entry_keys_by_value ON entry_keys (name, value)",
            """
            CREATE TABLE origins (
                cooperative_id INT NOT NULL,
                origin_code TEXT NOT NULL,
                seq         BIGINT NOT NULL,
                farm_id     TEXT NOT NULL,
                crop        TEXT NOT NULL,
                PRIMARY KEY (cooperative_id, origin_code),
                FOREIGN KEY (cooperative_id, seq) REFERENCES entries (cooperative_id, seq)
            )
            """,
            "CREATE INDEX origins_by_code ON origins (origin_code)",
            """
            CREATE TABLE lots (
                cooperative_id INT NOT NULL,
                lot_code    TEXT NOT NULL,
                seq         BIGINT NOT NULL,
                origin_code TEXT NOT NULL,
                gtin        TEXT,
                harvest_date DATE NOT NULL,
                cooperative TEXT NOT NULL,
                PRIMARY KEY (cooperative_id, lot_code),
                FOREIGN KEY (cooperative_id, seq) REFERENCES entries (cooperative_id, seq)
            )
            """,
            "CREATE INDEX lots_by_code ON lots (lot_code)",
            "CREATE INDEX lots_by_gtin ON lots (gtin, lot_code)",
            "CREATE INDEX lots_by_origin ON lots (origin_code)",
            """
            CREATE TABLE gradings (
                cooperative_id INT NOT NULL,
                seq         BIGINT NOT NULL,
                lot_code    TEXT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                lot_grade   TEXT NOT NULL,
                held        BOOLEAN NOT NULL,
                PRIMARY KEY (cooperative_id, seq),
                FOREIGN KEY (cooperative_id, seq) REFERENCES entries (cooperative_id, seq)
            )
            """,
            "CREATE INDEX gradings_by_lot ON gradings (cooperative_id, lot_code)",
            "CREATE INDEX gradings_by_time ON gradings (recorded_at)",
            """
            CREATE TABLE checkpoints (
                cooperative_id INT NOT NULL REFERENCES cooperatives(id),
                tree_size   BIGINT NOT NULL,
                root        BYTEA NOT NULL,
                note        TEXT NOT NULL,
                verified_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (cooperative_id, tree_size)
            )
            """,
            """
            CREATE TABLE evidence (
                id          SERIAL PRIMARY KEY,
                cooperative_id INT NOT NULL REFERENCES cooperatives(id),
                kind        TEXT NOT NULL CHECK (kind IN ('rollback', 'equivocation', 'fork', 'invalid_entry')),
                earlier_note TEXT,
                later_note  TEXT NOT NULL,
                detail      TEXT NOT NULL,
                detected_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
        ]),
        Migration(version: 2, description: "witness state per origin; the cosigned note of each verified checkpoint", sql: [
            """
            CREATE TABLE witness_state (
                origin      TEXT PRIMARY KEY,
                note        TEXT NOT NULL,
                updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
            "ALTER TABLE checkpoints ADD COLUMN cosigned_note TEXT",
        ]),
        Migration(version: 3, description: "the last error's code (for machines) and its words in Vietnamese beside the English", sql: [
            "ALTER TABLE cooperatives ADD COLUMN last_error_code TEXT",
            "ALTER TABLE cooperatives ADD COLUMN last_error_vi TEXT",
        ]),
        // An index key, origin, lot or grading row is derived from its entry and written with it,
        // in the bundle's one transaction, and entries are never updated or deleted: the foreign
        // keys checked what the write ensures by construction, and their per-row checks were about
        // a third of PostgreSQL's CPU during ingest (200 cooperatives, 1,000,000 entries).
        Migration(version: 4, description: "no per-row foreign key checks on the rows derived from an entry", sql: [
            "ALTER TABLE entry_keys DROP CONSTRAINT entry_keys_cooperative_id_seq_fkey",
            "ALTER TABLE origins DROP CONSTRAINT origins_cooperative_id_seq_fkey",
            "ALTER TABLE lots DROP CONSTRAINT lots_cooperative_id_seq_fkey",
            "ALTER TABLE gradings DROP CONSTRAINT gradings_cooperative_id_seq_fkey",
        ]),
        // An entry's cooperative_id is the id of the cooperatives row its follower read, and
        // cooperatives rows are never deleted; the per-row check of each entry was about a tenth
        // of PostgreSQL's CPU during ingest (an after-trigger and a locking read per row).
        Migration(version: 5, description: "no per-row foreign key check on each entry's cooperative", sql: [
            "ALTER TABLE entries DROP CONSTRAINT entries_cooperative_id_fkey",
        ]),
        // Evidence kept before this version has its detail in English only; pages show that.
        Migration(version: 6, description: "a halt's reason and its evidence's detail in Vietnamese beside the English", sql: [
            "ALTER TABLE evidence ADD COLUMN detail_vi TEXT",
            "ALTER TABLE cooperatives ADD COLUMN halt_reason_vi TEXT",
        ]),
    ]
}
