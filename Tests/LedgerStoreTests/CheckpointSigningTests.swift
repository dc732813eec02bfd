import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
import Testing

/// Signing a checkpoint of a tree the ledger has signed before stores nothing new: Ed25519 is
/// deterministic and a checkpoint carries no time, so it would be the same note again.
@Suite struct CheckpointSigningTests {
    @Test func aTreeSignedBeforeIsReturnedNotStoredAgain() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let ledger = fixture.ledger
        try ledger.append([ProvenanceFixture.origin("O1")], signer: fixture.signer)
        let first = try ledger.signCheckpoint(signer: fixture.signer)
        let again = try ledger.signCheckpoint(signer: fixture.signer)
        #expect(again.id == first.id && again.signedNote == first.signedNote)
        _ = try ledger.proof(seq: 0, signer: fixture.signer)
        #expect(try ledger.checkpoints().count == 1)

        // Once a copy with more signatures is stored, that copy is what signing the same tree gives.
        let other = try NoteSigner.generate(name: "witness.example/w")
        let extra = try first.checkpoint.signed(by: other).signatures
        let note = try SignedNote(parsing: first.signedNote)
        let cosigned = try ledger.storeCosignedCheckpoint(try SignedNote(text: note.text, signatures: note.signatures + extra).serialized)
        let afterCosigning = try ledger.signCheckpoint(signer: fixture.signer)
        #expect(afterCosigning.id == cosigned.id && afterCosigning.id != first.id)
        #expect(try ledger.checkpoints().count == 2)

        // A grown tree is signed and stored.
        try ledger.append([ProvenanceFixture.origin("O2")], signer: fixture.signer)
        let grown = try ledger.signCheckpoint(signer: fixture.signer)
        #expect(grown.checkpoint.size == first.checkpoint.size + 1 && grown.id > cosigned.id)
        #expect(try ledger.checkpoints().count == 3)
    }
}
