import Foundation
import LedgerStore
import MerkleLog
import Testing
import TestSupport

/// The buyer's `verify-label --witness`: the cooperative's own key given as a witness must not
/// fill the quorum with the cooperative's checkpoint signature.
@Suite struct WitnessQuorumCommandTests {
    @Test func verifyLabelRefusesTheLogKeyAsAWitness() throws {
        let directory = try TemporaryDirectory(prefix: "witness-quorum")
        defer { directory.remove() }
        let path = { (name: String) in directory.url.appendingPathComponent(name).path }
        let (_, signer) = try SampleLedger.build(at: path("ledger.db"))
        try SigningKeyFile.write(signer, to: path("coop.key"))
        try SigningKeyFile.writeVerifier(signer.verifier, to: path("coop.vkey"))
        let lot = "DT-LV-261103-01"
        let label = try AgriTraceBinary.run(["label", lot, "--ledger", path("ledger.db"), "--key", path("coop.key"), "--out", path("labels")])
        #expect(label.status == 0, "\(label.stderr)")
        let proof = path("labels") + "/\(lot).proof"

        let plain = try AgriTraceBinary.run(["verify-label", proof, "--vkey", path("coop.vkey"), "--lot", lot])
        #expect(!plain.stdout.contains("NOT VERIFIED") && plain.stdout.contains("VERIFIED"), "the label itself is fine: \(plain.stdout)\(plain.stderr)")
        let asWitness = try AgriTraceBinary.run(["verify-label", proof, "--vkey", path("coop.vkey"), "--witness", path("coop.vkey"), "--lot", lot])
        #expect(asWitness.status == 2, "\(asWitness.stdout)\(asWitness.stderr)")
        #expect(asWitness.stderr.contains("not a witness"), "\(asWitness.stderr)")
        #expect(!asWitness.stdout.contains("VERIFIED"), "\(asWitness.stdout)")

        // A real witness key that did not cosign: NOT VERIFIED, not a usage error.
        let witness = try NoteSigner.generate(name: "witness.example/w1", type: .cosignatureV1)
        try SigningKeyFile.writeVerifier(witness.verifier, to: path("w1.vkey"))
        let uncosigned = try AgriTraceBinary.run(["verify-label", proof, "--vkey", path("coop.vkey"), "--witness", path("w1.vkey"), "--lot", lot])
        #expect(uncosigned.status == 3 && uncosigned.stdout.contains("NOT VERIFIED"), "\(uncosigned.stdout)\(uncosigned.stderr)")
        // It names the checkpoint, which lacks the cosignature, not an entry.
        #expect(uncosigned.stdout.contains("the checkpoint does not check out") && !uncosigned.stdout.contains("entry #"), "\(uncosigned.stdout)")
        // The same witness key twice is a usage error that says so, not a quorum of two no one can meet.
        try SigningKeyFile.writeVerifier(witness.verifier, to: path("w1-copy.vkey"))
        let twice = try AgriTraceBinary.run(["verify-label", proof, "--vkey", path("coop.vkey"), "--witness", path("w1.vkey"),
                                             "--witness", path("w1-copy.vkey"), "--lot", lot])
        #expect(twice.status == 2 && twice.stderr.contains("witness key witness.example/w1+") && twice.stderr.contains("is given twice"), "\(twice.stderr)")
    }
}
