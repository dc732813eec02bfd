import Foundation
import LedgerStore
import MerkleLog
import Testing
import ProvenanceTestSupport
import TestSupport

/// What a ledger alone cannot prove (its newest entries removed together with their
/// checkpoints) and what a checkpoint kept outside it can; and schema tricks that reading rows
/// would not notice.
@Suite struct RollbackAndSchemaTests {
    /// Removes every entry from `size` on, the tree hashes that cover them and every checkpoint
    /// beyond `size`: a rollback that leaves a self-consistent, smaller ledger.
    static func rollBack(_ path: String, to size: Int) throws {
        try SQLiteShell.editKeepingTriggers(path, """
            DELETE FROM entries WHERE seq >= \(size);
            DELETE FROM entry_keys WHERE seq >= \(size);
            DELETE FROM tree_nodes WHERE ((idx + 1) << level) > \(size);
            DELETE FROM checkpoints WHERE tree_size > \(size);
            """)
    }

    @Test func rollbackIsInvisibleAloneAndCaughtByAnOutsideCheckpoint() throws {
        let fixture = try VerifyTests.populated()
        defer { fixture.remove() }
        let saved = try #require(try fixture.ledger.latestCheckpoint())
        #expect(saved.checkpoint.size == 12)
        try Self.rollBack(fixture.path, to: 5)

        let alone = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier])
        #expect(alone.isIntact, "the rolled-back ledger is self-consistent: \(alone.failures)")
        #expect(alone.checkStatuses.first { $0.check == .outsideCheckpoints }?.status
                == .notChecked("no checkpoint given from outside the ledger (--checkpoint, --witness-state, --province)"))

        let outside = try OutsideCheckpoint(source: "saved.checkpoint", signedNote: saved.signedNote)
        let report = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier], outside: [outside])
        #expect(!report.isIntact)
        let failure = try #require(report.failures.first { $0.check == .outsideCheckpoints })
        #expect(failure.message.description.contains("saved.checkpoint") && failure.message.description.contains("rolled back"), "\(failure)")
    }

    @Test func outsideCheckpointOfTheSameHistoryPassesAndOfAForkFails() throws {
        let fixture = try VerifyTests.populated()
        defer { fixture.remove() }
        let first = try #require(try fixture.ledger.checkpoints().first)
        let older = try OutsideCheckpoint(source: "older", signedNote: first.signedNote)
        let report = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier], outside: [older])
        #expect(report.isIntact, "\(report.failures)")
        #expect(report.checkStatuses.first { $0.check == .outsideCheckpoints }?.status == .passed)

        // Same key and origin, different entries: a checkpoint of another history.
        let fork = try ProvenanceFixture()
        defer { fork.remove() }
        try fork.ledger.append([ProvenanceFixture.origin("O9"), ProvenanceFixture.origin("O1"), ProvenanceFixture.origin("O2")], signer: fork.signer)
        let forked = try OutsideCheckpoint(source: "fork", signedNote: fork.ledger.signCheckpoint(signer: fork.signer).signedNote)
        let forkReport = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier], outside: [forked])
        #expect(forkReport.failures.contains { $0.check == .outsideCheckpoints && $0.message.description.contains("fork") })

        // A checkpoint signed by another key proves nothing about this ledger.
        let stranger = try NoteSigner(name: ProvenanceFixture.origin, seed: [UInt8](repeating: 9, count: 32))
        let note = try Checkpoint(origin: ProvenanceFixture.origin, size: first.checkpoint.size, root: first.checkpoint.root).signed(by: stranger)
        let unsigned = try OutsideCheckpoint(source: "stranger", signedNote: note.serialized)
        let strangerReport = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier], outside: [unsigned])
        #expect(strangerReport.failures.contains { $0.check == .outsideCheckpoints && $0.message.description.contains("stranger") })
    }

    @Test func schemaTricksAreReported() throws {
        let tricks = [
            // Rows hidden behind a view with the table's name.
            "ALTER TABLE entries RENAME TO entries_all; CREATE VIEW entries AS SELECT * FROM entries_all WHERE seq < 5;",
            // The append-only guarantee quietly removed.
            "DROP TRIGGER entries_append_only_delete;",
            // The table rebuilt without STRICT types and constraints.
            "CREATE TABLE copy AS SELECT * FROM checkpoints; DROP TABLE checkpoints; ALTER TABLE copy RENAME TO checkpoints;",
            // An extra trigger that rewrites what is appended.
            "CREATE TRIGGER sneaky AFTER INSERT ON entries BEGIN SELECT 1; END;",
        ]
        for sql in tricks {
            let fixture = try VerifyTests.populated()
            defer { fixture.remove() }
            try SQLiteShell.run(fixture.path, sql)
            let report = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier])
            #expect(report.failures.contains { $0.check == .schema }, "\(sql): \(report.failures)")
        }
        // Dropping and restoring the same triggers is not a schema change.
        let fixture = try VerifyTests.populated()
        defer { fixture.remove() }
        try SQLiteShell.editKeepingTriggers(fixture.path, "")
        #expect(try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier]).isIntact)
    }

    @Test func checksWithNothingToCheckSayNone() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let report = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier])
        #expect(report.isIntact)
        let statuses = Dictionary(uniqueKeysWithValues: report.checkStatuses.map { ($0.check, $0.status) })
        for check in [VerificationReport.Check.checkpointSignature, .checkpointRoot, .checkpointConsistency, .equivocation] {
            #expect(statuses[check] == .notChecked("no checkpoints stored"), "\(check)")
        }
        #expect(statuses[.prevChain] == .passed)
        try fixture.ledger.signCheckpoint(signer: fixture.signer)
        let one = try fixture.ledger.verify(trustedKeys: [fixture.signer.verifier])
        let oneStatuses = Dictionary(uniqueKeysWithValues: one.checkStatuses.map { ($0.check, $0.status) })
        #expect(oneStatuses[.checkpointSignature] == .passed)
        #expect(oneStatuses[.checkpointConsistency] == .notChecked("fewer than two checkpoint sizes to compare"))
    }

    /// Values no ledger can hold, through the library's readers: errors, never traps.
    @Test func extremeSeqIsAnErrorForEveryReader() throws {
        for value in ["9223372036854775807", "4611686018427387904", "1099511627776"] {
            let fixture = try VerifyTests.populated()
            defer { fixture.remove() }
            try SQLiteShell.editKeepingTriggers(fixture.path, "UPDATE entries SET seq = \(value) WHERE seq = 11;")
            #expect(throws: LedgerError.self) { try fixture.ledger.size() }
            #expect(throws: LedgerError.self) { try fixture.ledger.entries(type: .grading) }
            #expect(throws: LedgerError.self) { try fixture.ledger.treeHead() }
            let report = try fixture.ledger.verify()
            #expect(report.failures.contains { $0.check == .storedColumns && $0.message.description.contains("entries.seq") }, "\(report.failures)")
            let readable = try fixture.ledger.readableEntries()
            #expect(readable.entries.count == 11 && readable.unreadable == 1)
        }
    }
}
