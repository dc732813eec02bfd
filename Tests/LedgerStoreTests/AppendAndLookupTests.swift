import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import ProvenanceTestSupport
import TestSupport

@Suite struct AppendAndLookupTests {
    @Test func appendsChainAndLooksUp() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let ledger = fixture.ledger
        let result = try ledger.append([ProvenanceFixture.origin("VN-TG-001"), ProvenanceFixture.lot("LOT-1", origin: "VN-TG-001"),
                                        ProvenanceFixture.grading("LOT-1")], signer: fixture.signer)
        #expect(result.appended.map(\.seq) == [1, 2, 3])
        #expect(result.treeSize == 4)
        let genesis = try #require(try ledger.entry(seq: 0))
        #expect(genesis.prev == TreeHash.zero)
        #expect(result.appended[0].prev == genesis.leafHash)
        #expect(result.appended[1].prev == result.appended[0].leafHash)
        #expect(try ledger.entries(lotCode: "LOT-1").map(\.seq) == [2, 3])
        #expect(try ledger.entries(originCode: "VN-TG-001").map(\.seq) == [1, 2])
        #expect(try ledger.entries(type: .grading).map(\.seq) == [3])
        #expect(try ledger.entry(leafHash: result.appended[2].leafHash)?.seq == 3)
        #expect(try ledger.isOriginRegistered("VN-TG-001"))
        #expect(try !ledger.isOriginRegistered("VN-TG-002"))
        guard case .lot(let lot) = try #require(try ledger.lotRegistration("LOT-1")).record() else {
            Issue.record("not a lot"); return
        }
        #expect(lot.digitalLinkURI == "https://id.gs1.org/01/09506000134352/10/LOT-1")
    }

    @Test func idempotencyKeyMakesReRunANoOp() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let digest = String(repeating: "5e", count: 32)
        let key = IdempotencyKey(lotCode: "LOT-9", uploadDigest: digest)
        try fixture.ledger.append([ProvenanceFixture.origin("O1")], signer: fixture.signer)
        let first = try fixture.ledger.append([ProvenanceFixture.lot("LOT-9", origin: "O1", digest: digest),
                                               ProvenanceFixture.grading("LOT-9", digest: digest)],
                                              signer: fixture.signer, idempotencyKey: key)
        #expect(!first.alreadyRecorded && first.appended.count == 2)
        let second = try fixture.ledger.append([ProvenanceFixture.lot("LOT-9", origin: "O1", digest: digest),
                                                ProvenanceFixture.grading("LOT-9", digest: digest)],
                                               signer: fixture.signer, idempotencyKey: key)
        #expect(second.alreadyRecorded)
        #expect(second.existingSeqs == [2, 3])
        #expect(try fixture.ledger.size() == 4)
    }

    /// A decision names the latest entry about its subject it saw; the append is refused inside
    /// its transaction once another entry about that subject follows, whatever else was appended.
    @Test func decisionOnAStateSinceChangedIsRefused() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let ledger = fixture.ledger
        try ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "O1"),
                           ProvenanceFixture.lot("L2", origin: "O1")], signer: fixture.signer)
        let seenL1 = DecisionBasis(key: IndexKey(IndexKeyName.lotCode, "L1"), latestSeq: 2)
        // Entries about other things do not make the decision stale.
        try ledger.append([ProvenanceFixture.grading("L2")], signer: fixture.signer, decidedOn: seenL1)
        #expect(try ledger.size() == 5)
        // One about L1 does: a second decision on the same view is refused, and nothing is written.
        try ledger.append([ProvenanceFixture.grading("L1")], signer: fixture.signer, decidedOn: seenL1)
        let refusal = #expect(throws: LedgerError.self) {
            try ledger.append([ProvenanceFixture.grading("L1")], signer: fixture.signer, decidedOn: seenL1)
        }
        guard case .changedMeanwhile(let seq, let key)? = refusal else { Issue.record("\(String(describing: refusal))"); return }
        #expect(seq == 5 && key == seenL1.key)
        #expect(try ledger.size() == 6)
        // Seen up to the newest entry, it is recorded.
        try ledger.append([ProvenanceFixture.grading("L1")], signer: fixture.signer,
                          decidedOn: DecisionBasis(key: seenL1.key, latestSeq: 5))
        #expect(try ledger.entries(lotCode: "L1").map(\.seq) == [2, 5, 6])
    }

    @Test func rejectedEntryRollsBackTheWholeAppend() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        #expect(throws: LedgerError.self) {
            try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "UNKNOWN")], signer: fixture.signer)
        }
        #expect(try fixture.ledger.size() == 1)
        #expect(try !fixture.ledger.isOriginRegistered("O1"))
    }

    @Test func proofFileVerifiesOffline() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "O1"), ProvenanceFixture.grading("L1")],
                                  signer: fixture.signer)
        let proof = try fixture.ledger.proof(seq: 2, signer: fixture.signer)
        let verified = try ProofFile.verify(proof.serialized, trustedKeys: [fixture.signer.verifier], origin: ProvenanceFixture.origin)
        #expect(verified.entry.seq == 2)
        #expect(verified.checkpoint.size == 4)
        let other = try NoteSigner(name: ProvenanceFixture.origin, seed: [UInt8](repeating: 9, count: 32))
        #expect(throws: NoteError.self) { try ProofFile.verify(proof.serialized, trustedKeys: [other.verifier]) }
    }
}
