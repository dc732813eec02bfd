import Foundation
@testable import LedgerStore
import MerkleLog
import Provenance
import Testing
import ProvenanceTestSupport
import TestSupport

/// Ledgers written before the store stopped knowing the domain (schema 1: `lot_code`,
/// `origin_code` and `upload_digest` columns on `entries`) must open, migrate and verify.
@Suite struct SchemaMigrationTests {
    /// A schema-1 file holding the same entries, tree and checkpoint as `current`: built with
    /// the frozen migration 1 and raw SQL, as the release before this one wrote it (entry bytes
    /// did not change between the schemas).
    static func schemaOneCopy(of current: String, at path: String) throws {
        let columns = ["lot_code", "origin_code", "upload_digest"].map {
            "(SELECT value FROM n.entry_keys k WHERE k.seq = e.seq AND k.name = '\($0)')"
        }.joined(separator: ", ")
        try SQLiteShell.run(path, """
            PRAGMA application_id = 1095193682;
            \(Migrations.all[0])
            ATTACH '\(current)' AS n;
            INSERT INTO ledger_meta SELECT * FROM n.ledger_meta;
            INSERT INTO entries (seq, type, lot_code, origin_code, upload_digest, recorded_at, leaf_hash, body)
                SELECT e.seq, e.type, \(columns), e.recorded_at, e.leaf_hash, e.body FROM n.entries e;
            INSERT INTO tree_nodes SELECT * FROM n.tree_nodes;
            INSERT INTO checkpoints SELECT * FROM n.checkpoints;
            PRAGMA user_version = 1;
            """)
    }

    @Test func schemaOneLedgerMigratesAndStillVerifies() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let digest = String(repeating: "5e", count: 32)
        try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "O1", digest: digest),
                                   ProvenanceFixture.grading("L1", digest: digest), ProvenanceFixture.lot("L2", origin: "O1")],
                                  signer: fixture.signer)
        let target = try #require(try fixture.ledger.lotRegistration("L2"))
        try fixture.ledger.append([.correction(CorrectionRecord(corrects: target.seq, correctsLeafHash: target.leafHash.hex,
                                                                reason: "weighed again", lotCode: "L2", originCode: "O1",
                                                                changes: ["quantity_g": 120_000]))], signer: fixture.signer)
        try fixture.ledger.signCheckpoint(signer: fixture.signer)
        let old = fixture.directory.url.appendingPathComponent("schema1.db").path
        try Self.schemaOneCopy(of: fixture.path, at: old)
        #expect(try SQLiteShell.query(old, "PRAGMA user_version;") == ["1"])
        #expect(try SQLiteShell.query(old, "SELECT count(*) FROM entries WHERE lot_code IS NOT NULL;") == ["4"])

        // Read-only opening cannot migrate, and says so instead of failing on a missing table.
        #expect(throws: LedgerError.self) { try Ledger(provenanceAt: old, readOnly: true) }

        let migrated = try Ledger(provenanceAt: old)
        #expect(try SQLiteShell.query(old, "PRAGMA user_version;") == ["\(Migrations.latestVersion)"])
        let columns = try SQLiteShell.query(old, "SELECT name FROM pragma_table_info('entries') ORDER BY cid;")
        #expect(columns == ["seq", "type", "recorded_at", "leaf_hash", "body"])
        #expect(try SQLiteShell.query(old, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%lot_code%' AND name != 'entry_keys';") == ["0"])

        let report = try migrated.verify(trustedKeys: [fixture.signer.verifier])
        #expect(report.isIntact, "\(report.failures)")
        #expect(report.root == (try fixture.ledger.treeHead().root))
        #expect(try migrated.entries(lotCode: "L2").map(\.seq) == [4, 5])
        #expect(try migrated.entries(originCode: "O1").map(\.seq) == [1, 2, 4, 5])
        #expect(try migrated.entries(recording: IdempotencyKey(lotCode: "L1", uploadDigest: digest)).map(\.seq) == [2, 3])
        // The migrated file takes new entries under the same rules.
        try migrated.append([ProvenanceFixture.grading("L2")], signer: fixture.signer)
        #expect(try migrated.verify(trustedKeys: [fixture.signer.verifier]).isIntact)
        #expect(throws: LedgerError.self) { try migrated.append([ProvenanceFixture.lot("L1", origin: "O1")], signer: fixture.signer) }
    }
}
