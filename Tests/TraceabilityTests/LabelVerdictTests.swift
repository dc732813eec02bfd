import Foundation
import LedgerStore
import MerkleLog
import Testing
import TestSupport
@testable import Traceability

@Suite struct LabelVerdictTests {
    struct Made {
        let package: LabelPackage
        let vkey: NoteVerifier
    }

    private func make(_ lot: String, checkpoint: Bool = true, signer useSigner: Bool = true) throws -> Made {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path,
                                                      checkpoint: checkpoint)
        return Made(package: try LabelPackage.make(lotCode: lot, ledger: ledger, signer: useSigner ? signer : nil),
                    vkey: signer.verifier)
    }

    @Test func genuineProofsVerifyAndMatchTheBox() throws {
        let made = try make("DT-LV-261103-01")
        #expect(made.package.content.uri == "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01")
        #expect(made.package.content.grade == "Premium")
        #expect(!made.package.signedNewCheckpoint)
        let verdict = LabelVerdict.check(proofs: [("box.proof", made.package.gradingProof), ("box.lot.proof", made.package.lotProof)],
                                         trustedKeys: [made.vkey],
                                         printed: .init(lotCode: "DT-LV-261103-01", originCode: "VN-DTOR-0141"))
        #expect(verdict.isValid, "\(verdict.text)")
        #expect(verdict.headline.hasPrefix("VERIFIED: lot DT-LV-261103-01, graded Premium"))
        #expect(verdict.text.contains("from origin VN-DTOR-0141"))
        #expect(verdict.text.contains("match the signed records"))
    }

    @Test func aTamperedEntryInTheProofIsRejected() throws {
        let made = try make("DT-TM-261104-02")
        // Re-grade the lot inside the proof: decode `extra`, change the grade, re-encode.
        let lines = made.package.gradingProof.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let extraIndex = try #require(lines.firstIndex { $0.hasPrefix("extra ") })
        let entry = try #require(Data(base64Encoded: String(lines[extraIndex].dropFirst(6))))
        let forged = String(decoding: entry, as: UTF8.self).replacingOccurrences(of: "\"lot_grade\":\"Reject\"",
                                                                                 with: "\"lot_grade\":\"Premium\"")
        #expect(forged.contains("Premium"))
        var tampered = lines
        tampered[extraIndex] = "extra " + Data(forged.utf8).base64EncodedString()
        let verdict = LabelVerdict.check(proofs: [("box.proof", tampered.joined(separator: "\n"))],
                                         trustedKeys: [made.vkey], printed: .init(lotCode: "DT-TM-261104-02"))
        #expect(!verdict.isValid)
        #expect(verdict.headline.hasPrefix("NOT VERIFIED"))
        #expect(verdict.details.first?.hasPrefix("box.proof does not check out") == true)
    }

    @Test func aFlippedProofHashOrAnotherKeyIsRejected() throws {
        let made = try make("DT-LV-261103-02")
        let proof = try TlogProof(parsing: made.package.gradingProof)
        var hashes = proof.inclusionProof
        hashes[0] = hashes[0].flippingBit(7)
        let flipped = TlogProof(extra: proof.extra, index: proof.index, inclusionProof: hashes,
                                signedCheckpoint: proof.signedCheckpoint).serialized
        let flippedVerdict = LabelVerdict.check(proofs: [("p", flipped)], trustedKeys: [made.vkey], printed: .init())
        #expect(!flippedVerdict.isValid && flippedVerdict.text.contains("the record or its proof was changed"))

        let stranger = try NoteSigner(name: SampleLedger.keyName, seed: [UInt8](repeating: 0x01, count: 32)).verifier
        let verdict = LabelVerdict.check(proofs: [("p", made.package.gradingProof)], trustedKeys: [stranger], printed: .init())
        #expect(!verdict.isValid && verdict.text.contains("not signed by the key you trust"))
        // A witness that never cosigned is reported too.
        let witness = try NoteSigner(name: "witness.example", seed: [UInt8](repeating: 0x05, count: 32)).verifier
        #expect(!LabelVerdict.check(proofs: [("p", made.package.gradingProof)], trustedKeys: [made.vkey],
                                    witnesses: [witness], printed: .init()).isValid)
    }

    @Test func aWitnessCosignatureIsCheckedWhenRequired() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try SampleLedger.build(at: directory.url.appendingPathComponent("ledger.db").path)
        let witness = try NoteSigner(name: "witness.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 0x05, count: 32))
        var note = try SignedNote(parsing: try #require(try ledger.latestCheckpoint()).signedNote)
        note.sign(with: witness, timestamp: 1_794_400_000)
        try ledger.storeCosignedCheckpoint(note.serialized)
        let package = try LabelPackage.make(lotCode: "DT-LV-261103-01", ledger: ledger, signer: nil)
        let verdict = LabelVerdict.check(proofs: [("p", package.gradingProof)], trustedKeys: [signer.verifier],
                                         witnesses: [witness.verifier], printed: .init())
        #expect(verdict.isValid, "\(verdict.text)")
        #expect(verdict.text.contains("cosigned by witness.example/w1"))
        let other = try NoteSigner(name: "witness.example/w2", type: .cosignatureV1, seed: [UInt8](repeating: 0x06, count: 32))
        #expect(!LabelVerdict.check(proofs: [("p", package.gradingProof)], trustedKeys: [signer.verifier],
                                    witnesses: [witness.verifier, other.verifier], printed: .init()).isValid)
    }

    @Test func aBoxClaimingAnotherLotOrOriginFails() throws {
        let made = try make("DT-LV-261103-01")
        let proofs = [("g", made.package.gradingProof), ("l", made.package.lotProof)]
        let wrongLot = LabelVerdict.check(proofs: proofs, trustedKeys: [made.vkey], printed: .init(lotCode: "DT-LV-261103-02"))
        #expect(!wrongLot.isValid && wrongLot.text.contains("the box says lot DT-LV-261103-02"))
        let wrongOrigin = LabelVerdict.check(proofs: proofs, trustedKeys: [made.vkey], printed: .init(originCode: "VN-DTOR-0157"))
        #expect(!wrongOrigin.isValid && wrongOrigin.text.contains("signed lot record says VN-DTOR-0141"))
        // The grading alone does not name the origin: say so rather than pass it.
        let noLotProof = LabelVerdict.check(proofs: [proofs[0]], trustedKeys: [made.vkey], printed: .init(originCode: "VN-DTOR-0141"))
        #expect(!noLotProof.isValid && noLotProof.text.contains(".lot.proof"))
    }

    @Test func proofsOfTwoLotsDoNotMakeOneLabel() throws {
        let first = try make("DT-LV-261103-01"), second = try make("DT-LV-261103-02")
        let verdict = LabelVerdict.check(proofs: [("a", first.package.gradingProof), ("b", second.package.lotProof)],
                                         trustedKeys: [first.vkey], printed: .init())
        #expect(!verdict.isValid && verdict.text.contains("different lots"))
    }

    @Test func withoutACheckpointTheKeySignsOneOrTheLabelIsRefused() throws {
        let signed = try make("DT-LV-261105-03", checkpoint: false)
        #expect(signed.package.signedNewCheckpoint)
        #expect(LabelVerdict.check(proofs: [("p", signed.package.gradingProof)], trustedKeys: [signed.vkey],
                                   printed: .init(lotCode: "DT-LV-261105-03")).isValid)
        #expect(throws: LabelError.self) { try make("DT-LV-261105-03", checkpoint: false, signer: false) }
        #expect(throws: LabelError.self) { try make("NO-SUCH-LOT") }
    }

    @Test func fileNamesAreSafeForAnyLotCode() throws {
        let made = try make("DT-CT-261104-01")
        #expect(made.package.baseFileName == "DT-CT-261104-01")
        #expect(made.package.content.uri == "urn:agritrace:lot:DT-CT-261104-01")
        #expect(made.package.png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(made.package.corrections.isEmpty)
        let corrected = try make("DT-LV-261103-02")
        #expect(corrected.package.corrections.map(\.record.corrects) == [corrected.package.lotSeq])
    }
}
