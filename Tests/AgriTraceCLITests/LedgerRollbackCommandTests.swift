import Foundation
import LedgerStore
import Testing
import TestSupport

/// `ledger verify` against checkpoints kept outside the ledger, and what it says when there is
/// nothing to check.
@Suite struct LedgerRollbackCommandTests {
    typealias Setup = LedgerCommandTests.Setup

    /// Deletes entries from `size` on with their tree hashes and checkpoints, and restores the
    /// append-only triggers exactly: a smaller ledger that is consistent in itself.
    static func rollBack(_ db: String, to size: Int) throws {
        try SQLiteShell.editKeepingTriggers(db, """

            DELETE FROM entries WHERE seq >= \(size);
            DELETE FROM entry_keys WHERE seq >= \(size);
            DELETE FROM tree_nodes WHERE ((idx + 1) << level) > \(size);
            DELETE FROM checkpoints WHERE tree_size > \(size);
            """)
    }

    @Test func rollbackIsCaughtWithASavedCheckpointOrAWitnessState() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.append(LedgerCommandTests.origin)
        #expect(try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key]).status == 0)
        let witnessKey = setup.path("w.key"), state = setup.path("w.state")
        #expect(try AgriTraceBinary.run(["keys", "generate", "--name", "witness.example/w1", "--out", witnessKey, "--witness"]).status == 0)
        let witness = ["ledger", "witness", "--ledger", setup.db, "--key", witnessKey, "--log-vkey", setup.vkey, "--state", state]
        #expect(try AgriTraceBinary.run(witness + ["--first-run"]).status == 0)
        try setup.append("[\(LedgerCommandTests.lot("LOT-R1")),\(LedgerCommandTests.lot("LOT-R2"))]")
        let saved = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key])
        #expect(saved.status == 0)
        let savedPath = setup.path("saved.checkpoint")
        try saved.stdout.write(toFile: savedPath, atomically: true, encoding: .utf8)
        #expect(try AgriTraceBinary.run(witness).status == 0)
        let proof = setup.path("lot.tlog-proof")
        #expect(try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--entry", "3", "--out", proof]).status == 0)

        let before = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey, "--checkpoint", savedPath,
                                              "--witness-state", state, "--checkpoint", proof])
        #expect(before.status == 0 && before.stdout.contains("PASS ledger extends the checkpoints given from outside"), "\(before.stdout)\(before.stderr)")

        // The same ledger as published before the rollback: its served /checkpoint is an outside checkpoint too.
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: setup.db + suffix) {
            try FileManager.default.copyItem(atPath: setup.db + suffix, toPath: setup.path("published.db") + suffix)
        }
        let published = try ServerProcess(["--ledger", setup.path("published.db")])
        defer { _ = published.stop() }
        let servedCheckpoint = published.baseURL + "/checkpoint"

        try Self.rollBack(setup.db, to: 2)
        let alone = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey])
        #expect(alone.status == 0, "a rolled-back ledger is consistent in itself: \(alone.stdout)")
        #expect(alone.stdout.contains("none ledger extends the checkpoints given from outside"), "\(alone.stdout)")
        for outside in [["--checkpoint", savedPath], ["--witness-state", state], ["--checkpoint", proof], ["--checkpoint", servedCheckpoint]] {
            let result = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey] + outside)
            #expect(result.status == 3, "\(outside): \(result.stdout)")
            #expect(result.stdout.contains("rolled back") && result.stdout.contains(outside[1]), "\(outside): \(result.stdout)")
        }
        let audit = try AgriTraceBinary.run(["audit", "--ledger", setup.db, "--vkey", setup.vkey, "--witness-state", state,
                                             "--out", setup.path("report.html")])
        #expect(audit.status == 3 && audit.stdout.contains("rolled back"), "\(audit.stdout)\(audit.stderr)")
        let fetched = try AgriTraceBinary.run(["audit", "--ledger", setup.db, "--vkey", setup.vkey, "--checkpoint", servedCheckpoint,
                                               "--out", setup.path("report-fetched.html")])
        #expect(fetched.status == 3 && fetched.stdout.contains("rolled back"), "\(fetched.stdout)\(fetched.stderr)")
        let missing = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--checkpoint", setup.path("nope")])
        #expect(missing.status == 2 && missing.stderr.contains("not found"))
        // An address that gives no checkpoint: refused by name, nothing taken as checked.
        for address in ["http://127.0.0.1:9/checkpoint", published.baseURL + "/no-such-thing", published.baseURL + "/tile/0/000"] {
            let result = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey, "--checkpoint", address])
            #expect(result.status == 2 && result.stderr.contains(address), "\(address): \(result.status) \(result.stdout)\(result.stderr)")
        }
    }

    /// The buyer's label proof holds a signed checkpoint: an inspector can check a ledger against it.
    @Test func rollbackIsCaughtWithALabelProof() throws {
        let directory = try TemporaryDirectory(prefix: "rollback-label")
        defer { directory.remove() }
        let path = { (name: String) in directory.url.appendingPathComponent(name).path }
        let (ledger, signer) = try SampleLedger.build(at: path("ledger.db"))
        let size = try ledger.size()
        try SigningKeyFile.write(signer, to: path("coop.key"))
        try SigningKeyFile.writeVerifier(signer.verifier, to: path("coop.vkey"))
        let lot = "DT-LV-261103-01"
        let label = try AgriTraceBinary.run(["label", lot, "--ledger", path("ledger.db"), "--key", path("coop.key"), "--out", path("labels")])
        #expect(label.status == 0, "\(label.stderr)")
        let bundle = path("labels") + "/\(lot).proof"
        let verify = ["ledger", "verify", "--ledger", path("ledger.db"), "--vkey", path("coop.vkey"), "--checkpoint", bundle]
        let before = try AgriTraceBinary.run(verify)
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
        try Self.rollBack(path("ledger.db"), to: size - 1)
        let after = try AgriTraceBinary.run(verify)
        #expect(after.status == 3 && after.stdout.contains("rolled back"), "\(after.stdout)\(after.stderr)")
        let garbage = path("garbage")
        try "agritrace-label-bundle/v1\nnonsense\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let bad = try AgriTraceBinary.run(["ledger", "verify", "--ledger", path("ledger.db"), "--checkpoint", garbage])
        #expect(bad.status == 2 && bad.stderr.contains(garbage), "\(bad.stderr)")
    }

    @Test func rowsHiddenBehindAViewAreReported() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        try setup.append("[\(LedgerCommandTests.origin),\(LedgerCommandTests.lot("LOT-V1"))]")
        try SQLiteShell.run(setup.db, """
            ALTER TABLE entries RENAME TO entries_all;
            CREATE VIEW entries AS SELECT * FROM entries_all WHERE seq < 2;
            """)
        let result = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey])
        #expect(result.status == 3 && result.stdout.contains("view entries"), "\(result.stdout)\(result.stderr)")
    }

    @Test func checkpointChecksSayNoneWithoutCheckpoints() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let result = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--vkey", setup.vkey])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("PASS checkpoint") && !result.stdout.contains("PASS no two checkpoints"), "\(result.stdout)")
        #expect(result.stdout.contains("none checkpoint signature (no checkpoints stored)"), "\(result.stdout)")
        let json = try AgriTraceBinary.run(["ledger", "verify", "--ledger", setup.db, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let checks = try #require(report["checks"] as? [[String: Any]])
        let signature = try #require(checks.first { $0["check"] as? String == "checkpoint signature" })
        #expect(signature["status"] as? String == "none" && signature["passed"] == nil)
    }
}
