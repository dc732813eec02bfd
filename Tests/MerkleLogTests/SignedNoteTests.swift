import Foundation
import MerkleLog
import Testing
import TestSupport

struct NoteVectors: Decodable {
    struct GoNote: Decodable {
        let vkey: String, skey: String, text: String, signed: String, enoch_vkey: String, enoch_sig_line: String
    }
    let go_note: GoNote
    let c2sp_signed_note: String
    let c2sp_checkpoint: String
    let c2sp_cosigned_checkpoint: String
    let c2sp_cosignature_time: UInt64

    static func load() throws -> NoteVectors {
        try JSONDecoder().decode(NoteVectors.self, from: FixtureFiles.data("merkle/note-vectors.json"))
    }
}

@Suite struct SignedNoteTests {
    @Test func goSumdbKeysAndSignatureReproduce() throws {
        let v = try NoteVectors.load().go_note
        let verifier = try NoteVerifier(vkey: v.vkey)
        #expect(verifier.name == "PeterNeumann" && verifier.keyID == 0xc74f20a3)
        #expect(verifier.vkey == v.vkey)
        let signer = try NoteSigner(privateKeyText: v.skey)
        #expect(signer.verifier == verifier)
        #expect(signer.privateKeyText == v.skey)
        var note = try SignedNote(text: v.text)
        note.sign(with: signer)
        #expect(note.serialized == v.signed)   // Ed25519 is deterministic: byte-identical to Go's output
        #expect(try SignedNote(parsing: v.signed).verify(trusting: [verifier]) == [verifier])
    }

    @Test func unknownSignaturesAreIgnoredButBadKnownOnesReject() throws {
        let v = try NoteVectors.load().go_note
        let peter = try NoteVerifier(vkey: v.vkey), enoch = try NoteVerifier(vkey: v.enoch_vkey)
        let both = v.signed + v.enoch_sig_line
        #expect(try SignedNote(parsing: both).verify(trusting: [peter]) == [peter])
        #expect(try SignedNote(parsing: both).verify(trusting: [peter, enoch]) == [peter, enoch])
        #expect(throws: NoteError.self) { try SignedNote(parsing: both).verify(trusting: []) }
        // Corrupt Enoch's signature bytes (not its key ID): trusting Enoch now rejects the note.
        let corrupt = v.signed + v.enoch_sig_line.replacingOccurrences(of: "GrQ5ovTG", with: "GrQ5ovTH")
        #expect(try SignedNote(parsing: corrupt).verify(trusting: [peter]) == [peter])
        #expect(throws: NoteError.invalidSignature(keyName: "EnochRoot", keyID: 0xaf0cfe78)) {
            try SignedNote(parsing: corrupt).verify(trusting: [peter, enoch])
        }
    }

    @Test func malformedNotesAndKeysAreRejected() throws {
        let v = try NoteVectors.load().go_note
        let sigLine = String(v.signed.split(separator: "\n", omittingEmptySubsequences: false).dropLast().last!)
        for bad in [v.text, v.text + "\n", v.text + "\n" + sigLine, "\u{1}" + v.signed, v.signed + "Unexpected line.\n",
                    v.text + "\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"] {
            #expect(throws: NoteError.self, "\(bad.debugDescription)") { try SignedNote(parsing: bad) }
        }
        // Every proper substring and every single-character change of a vkey is refused.
        let bytes = Array(v.vkey.utf8)
        for cut in 1..<bytes.count {
            #expect(throws: NoteError.self) { try NoteVerifier(vkey: String(decoding: bytes[..<cut], as: UTF8.self)) }
        }
        for index in bytes.indices {
            var changed = bytes
            changed[index] &+= 1
            #expect(throws: NoteError.self) { try NoteVerifier(vkey: String(decoding: changed, as: UTF8.self)) }
        }
        #expect(throws: NoteError.self) { try NoteSigner(privateKeyText: v.vkey) }
        #expect(throws: NoteError.self) { try NoteVerifier(name: "has space", type: .ed25519, publicKey: try NoteVerifier(vkey: v.vkey).publicKey) }
    }

    @Test func c2spExamplesRoundTrip() throws {
        let v = try NoteVectors.load()
        for text in [v.c2sp_signed_note, v.c2sp_checkpoint, v.c2sp_cosigned_checkpoint] {
            #expect(try SignedNote(parsing: text).serialized == text)
        }
        let note = try SignedNote(parsing: v.c2sp_signed_note)
        #expect(note.text.hasSuffix("\n\ned è subito sera.\n"))   // a blank line inside the text stays text
        let checkpoint = try Checkpoint(text: try SignedNote(parsing: v.c2sp_checkpoint).text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa" && checkpoint.size == 20852163)
        #expect(checkpoint.text == (try SignedNote(parsing: v.c2sp_checkpoint).text))
        let cosigned = try SignedNote(parsing: v.c2sp_cosigned_checkpoint)
        #expect(cosigned.signatures.map(\.name) == ["example.com/behind-the-sofa", "witness.example.com/w1"])
        #expect(cosigned.signatures[1].cosignatureTimestamp == v.c2sp_cosignature_time)
    }

    @Test func cosignatureV1SignsTheTimestampedMessage() throws {
        let log = try NoteSigner(name: "coop.example/log", seed: [UInt8](repeating: 3, count: 32))
        let witness = try NoteSigner(name: "witness.example/w", type: .cosignatureV1, seed: [UInt8](repeating: 4, count: 32))
        #expect(witness.keyID != (try NoteSigner(name: "witness.example/w", seed: [UInt8](repeating: 4, count: 32))).keyID,
                "type byte 0x04 must change the key ID")
        var note = try Checkpoint(origin: "coop.example/log", size: 5, root: TreeHash.emptyTreeRoot).signed(by: log)
        note.sign(with: witness, timestamp: 1_679_315_147)
        let parsed = try SignedNote(parsing: note.serialized)
        #expect(parsed.signatures[1].cosignatureTimestamp == 1_679_315_147)
        #expect(try parsed.verify(trusting: [witness.verifier]) == [witness.verifier])
        // The signature covers "cosignature/v1\ntime T\n" + text: a plain Ed25519 check over the
        // text alone must fail, and so must a changed timestamp.
        let raw = parsed.signatures[1].signature
        #expect(!witness.verifier.isValidEntrySignature(Array(raw[8...]), for: Array(parsed.text.utf8)))
        #expect(witness.verifier.isValidEntrySignature(Array(raw[8...]), for: Cosignature.message(noteText: parsed.text, timestamp: 1_679_315_147)))
        var shifted = raw
        shifted[7] ^= 1
        #expect(!witness.verifier.isValidSignature(shifted, noteText: parsed.text))
    }

    @Test func tlogProofRoundTripsAndVerifies() throws {
        let log = try NoteSigner(name: "coop.example/log", seed: [UInt8](repeating: 5, count: 32))
        let leaves = (0..<11).map { MerkleHasher.leafHash([UInt8]("entry \($0)".utf8)) }
        let tree = InMemoryTree(leafHashes: leaves)
        let note = try Checkpoint(origin: "coop.example/log", size: 11, root: try tree.root()).signed(by: log).serialized
        let proof = TlogProof(extra: [UInt8]("entry 7".utf8), index: 7,
                              inclusionProof: try MerkleTree.inclusionProof(index: 7, size: 11, source: tree), signedCheckpoint: note)
        let parsed = try TlogProof(parsing: proof.serialized)
        #expect(parsed == proof)
        #expect(proof.serialized.hasPrefix("c2sp.org/tlog-proof@v1\nextra ZW50cnkgNw==\nindex 7\n"))
        #expect(try parsed.verify(leafHash: leaves[7], origin: "coop.example/log", logKeys: [log.verifier]).size == 11)
        #expect(throws: MerkleError.self) { try parsed.verify(leafHash: leaves[6], origin: nil, logKeys: [log.verifier]) }
        #expect(throws: NoteError.self) { try parsed.verify(leafHash: leaves[7], origin: "other.example/log", logKeys: [log.verifier]) }
        for bad in ["c2sp.org/tlog-proof@v2\nindex 1\n\n" + note, "c2sp.org/tlog-proof@v1\nindex 01\n\n" + note,
                    "c2sp.org/tlog-proof@v1\nindex 1\nnot-base64\n\n" + note, "c2sp.org/tlog-proof@v1\n" + note] {
            #expect(throws: NoteError.self) { try TlogProof(parsing: bad) }
        }
    }
}
