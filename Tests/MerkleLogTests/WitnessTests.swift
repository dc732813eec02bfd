import Foundation
import MerkleLog
import Testing

/// The witness protocol without storage: what it cosigns, what it refuses, and how verifiers
/// count witness cosignatures.
@Suite struct WitnessTests {
    static let origin = "coop.example/ledger"
    let log = try! NoteSigner(name: WitnessTests.origin, seed: [UInt8](repeating: 1, count: 32))
    let witnessKey = try! NoteSigner(name: "witness.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 2, count: 32))

    /// A log of `count` leaves and its signed checkpoint.
    func tree(_ leaves: [String]) throws -> (InMemoryTree, String) {
        let tree = InMemoryTree(leafHashes: leaves.map { MerkleHasher.leafHash(Array($0.utf8)) })
        let note = try Checkpoint(origin: Self.origin, size: tree.size, root: tree.root()).signed(by: log)
        return (tree, note.serialized)
    }

    @Test func cosignsOnlyWhatExtendsItsState() throws {
        let witness = try Witness(signer: witnessKey, origin: Self.origin, logKeys: [log.verifier])
        let (small, smallNote) = try tree(["a", "b", "c"])
        let first = try witness.cosign(smallNote, previous: nil, timestamp: 1) { _, _ in Issue.record("no proof on a first run"); return [] }
        #expect(first.previousSize == nil)
        let (big, bigNote) = try tree(["a", "b", "c", "d", "e"])
        let second = try witness.cosign(bigNote, previous: first.note.serialized, timestamp: 2) { old, new in
            try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: big)
        }
        #expect(second.previousSize == 3)
        #expect(try WitnessQuorum.cosigners(of: second.note, witnesses: [witnessKey.verifier], logKeys: [log.verifier]) == [witnessKey.verifier])

        // A fork (same size, other leaves) and a rollback are refused.
        let (_, forkNote) = try tree(["a", "x", "c", "d", "e"])
        #expect(throws: WitnessError.self) {
            try witness.cosign(forkNote, previous: second.note.serialized, timestamp: 3) { old, new in
                try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: big)
            }
        }
        #expect(throws: WitnessError.rollback(cosignedSize: 5, newSize: 3)) {
            try witness.cosign(smallNote, previous: second.note.serialized, timestamp: 3) { old, new in
                try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: small)
            }
        }
        // A state the witness never cosigned (only the log's signature) is not its state.
        #expect(throws: WitnessError.stateNotCosigned(witness: "witness.example/w1")) {
            try witness.cosign(bigNote, previous: smallNote, timestamp: 3) { old, new in
                try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: big)
            }
        }
    }

    @Test func witnessAndLogKeysCannotBeSwapped() throws {
        #expect(throws: NoteError.self) { try Witness(signer: log, origin: Self.origin, logKeys: [log.verifier]) }
        #expect(throws: NoteError.self) { try Witness(signer: witnessKey, origin: Self.origin, logKeys: [witnessKey.verifier]) }
        let (_, note) = try tree(["a"])
        let signed = try SignedNote(parsing: note)
        // The log's own key, or any plain Ed25519 key, offered as a witness.
        #expect(throws: NoteError.self) { try WitnessQuorum.cosigners(of: signed, witnesses: [log.verifier], logKeys: [log.verifier]) }
        let plain = try NoteSigner(name: "witness.example/w1", seed: [UInt8](repeating: 2, count: 32))
        #expect(throws: NoteError.self) { try WitnessQuorum.cosigners(of: signed, witnesses: [plain.verifier], logKeys: [log.verifier]) }
        var cosigned = signed
        cosigned.sign(with: witnessKey, timestamp: 5)
        // A witness key offered as the log's key: its cosignature is no log signature.
        #expect(throws: NoteError.self) { try Checkpoint.open(cosigned.serialized, origin: Self.origin, trusting: [witnessKey.verifier]) }
        // One witness listed twice counts once.
        #expect(try WitnessQuorum.cosigners(of: cosigned, witnesses: [witnessKey.verifier, witnessKey.verifier], logKeys: [log.verifier]).count == 1)
    }
}
