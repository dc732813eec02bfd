import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import TestSupport
@testable import Traceability

/// Completeness statements signed with the checkpoint and stored, so a server without the key can
/// hand out bundles that verify; a lot that changed after its statement gets no bundle until the
/// next checkpoint, and only changed lots are signed again.
@Suite struct LotStatementsTests {
    @Test func bundlesFromStoredStatementsVerifyAndFollowTheLotsChanges() throws {
        let setup = try LabelBundleTests.Setup(checkpoint: false)
        defer { setup.directory.remove() }
        let ledger = setup.ledger
        let lots = ["DT-LV-261103-01", "DT-LV-261103-02", "DT-LV-261105-03"]
        #expect(try LotStatements.bundle(lotCode: lots[0], ledger: ledger) == nil, "no checkpoint, no statement")

        let first = try LotStatements.signCheckpoint(ledger: ledger, signer: setup.signer)
        #expect(first.statements >= lots.count)
        for lot in lots {
            let bundle = try #require(try LotStatements.bundle(lotCode: lot, ledger: ledger))
            let verdict = setup.verify(bundle.serialized, lot: lot)
            #expect(verdict.isValid, "\(lot): \(verdict.text)")
        }

        // A new grading of one lot: its old statement no longer covers it (no bundle), the others still verify.
        try setup.regrade(lots[0], to: "Grade II")
        #expect(try LotStatements.bundle(lotCode: lots[0], ledger: ledger) == nil)
        #expect(setup.verify(try #require(try LotStatements.bundle(lotCode: lots[1], ledger: ledger)).serialized).isValid)

        // The next checkpoint signs that lot alone, and its bundle shows the new grade.
        let second = try LotStatements.signCheckpoint(ledger: ledger, signer: setup.signer)
        #expect(second.statements == 1)
        let regraded = try #require(try LotStatements.bundle(lotCode: lots[0], ledger: ledger))
        let verdict = setup.verify(regraded.serialized, lot: lots[0])
        #expect(verdict.isValid && verdict.text.contains("Grade II"), "\(verdict.text)")
        #expect(try ledger.latestStatement(subject: lots[1])?.treeSize == first.checkpoint.checkpoint.size)

        // A correction of an origin's registration changes every lot of that origin.
        let originCode = try LotState(entries: try LotProof.entries(lotCode: lots[0], ledger: ledger)).lot.originCode
        let registration = try #require(try ledger.originRegistration(originCode))
        try ledger.append([.correction(CorrectionRecord(corrects: registration.seq, correctsLeafHash: registration.leafHash.hex,
                                                        reason: "commune renamed", originCode: originCode,
                                                        changes: ["commune": .string("Xã mới")]))], signer: setup.signer)
        let sameOrigin = try lots.filter { try LotState(entries: try LotProof.entries(lotCode: $0, ledger: ledger)).lot.originCode == originCode }
        #expect(try sameOrigin.allSatisfy { try LotStatements.bundle(lotCode: $0, ledger: ledger) == nil })
        let third = try LotStatements.signCheckpoint(ledger: ledger, signer: setup.signer)
        #expect(third.statements == sameOrigin.count)
        for lot in lots {
            #expect(setup.verify(try #require(try LotStatements.bundle(lotCode: lot, ledger: ledger)).serialized, lot: lot).isValid, "\(lot)")
        }
    }

    /// A statement is about the tree it was signed under: entries appended after the checkpoint
    /// (a grading racing `ledger checkpoint`) are not in it, and it verifies against that checkpoint.
    @Test func statementsIgnoreEntriesAfterTheirCheckpoint() throws {
        let setup = try LabelBundleTests.Setup(checkpoint: false)
        defer { setup.directory.remove() }
        let stored = try setup.ledger.signCheckpoint(signer: setup.signer)
        try setup.regrade("DT-LV-261103-01", to: "Grade II")
        try LotStatements.sign(under: stored.checkpoint, ledger: setup.ledger, signer: setup.signer)
        let note = try #require(try setup.ledger.latestStatement(subject: "DT-LV-261103-01")).note
        let statement = try LabelBundle.Statement(text: try SignedNote(parsing: note).text)
        #expect(statement.treeSize == stored.checkpoint.size)
        #expect(statement.members.allSatisfy { $0.seq < stored.checkpoint.size })
        #expect(try LotStatements.bundle(lotCode: "DT-LV-261103-01", ledger: setup.ledger) == nil)
    }

    /// `ledger verify` reads every stored statement: one signed with the key that leaves out an
    /// entry of the lot or adds another lot's, one stored under another lot's name, one signed by
    /// another key, and one stored under a tree size with no checkpoint are each found and named;
    /// the honest statements `ledger checkpoint` stores pass.
    @Test func verifyFindsEveryFalseOrForeignStatement() throws {
        let setup = try LabelBundleTests.Setup(checkpoint: false)
        defer { setup.directory.remove() }
        let ledger = setup.ledger
        let honest = try LotStatements.signCheckpoint(ledger: ledger, signer: setup.signer)
        let clean = try ledger.verify(statements: LotStatements.Rules())
        #expect(clean.isIntact, "\(clean.failures)")
        #expect(clean.statementsChecked == honest.statements && honest.statements >= 3)
        #expect(clean.checkStatuses.contains { $0.check == .statements && $0.status == .passed })

        // Forged statements under a second checkpoint, signed after a regrading of the third lot.
        try setup.regrade("DT-LV-261105-03", to: "Grade II")
        let second = try ledger.signCheckpoint(signer: setup.signer).checkpoint
        let lots = ["DT-LV-261103-01", "DT-LV-261103-02", "DT-LV-261105-03"]
        let entries = try lots.map { try LotProof.entries(lotCode: $0, ledger: ledger, upTo: second.size) }
        func signed(_ lot: String, _ members: [LedgerEntry], by signer: NoteSigner = setup.signer, under tree: Checkpoint = second) throws -> String {
            try LotProof.signedStatement(lotCode: lot, entries: members, checkpoint: tree, ledger: ledger, signer: signer)
        }
        let stranger = try NoteSigner(name: SampleLedger.keyName, seed: [UInt8](repeating: 0x01, count: 32))
        try ledger.storeStatements([
            (lots[0], try signed(lots[0], Array(entries[0].dropLast()))),
            (lots[1], try signed(lots[1], (entries[1] + [entries[2].last!]).sorted { $0.seq < $1.seq })),
            (lots[2], try signed(lots[2], entries[2], by: stranger)),
            ("DT-LV-261199-09", try signed(lots[0], entries[0])),
        ], treeSize: second.size)
        // Under a tree size no checkpoint has (the checkpoints are of sizes second.size - 1 and second.size).
        try ledger.storeStatements([(lots[0], try signed(lots[0], entries[0]))], treeSize: second.size - 2)

        let report = try ledger.verify(statements: LotStatements.Rules())
        let found = report.failures.filter { $0.check == .statements }.map(\.message.description)
        #expect(found.count == 5 && report.failures.count == 5, "\(report.failures)")
        for (subject, size, why) in [(lots[0], second.size, "lists"), (lots[1], second.size, "lists"), (lots[2], second.size, "signature"),
                                     ("DT-LV-261199-09", second.size, "about lot"), (lots[0], second.size - 2, "no stored checkpoint")] {
            #expect(found.contains { $0.hasPrefix("statement about \(subject) at size \(size):") && $0.contains(why) },
                    "\(subject) at \(size): \(found)")
        }
    }
}
