import Foundation
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport

/// `agritrace witness serve` as running processes and `ledger checkpoint --witness` asking them:
/// cosignatures collected and verified by the buyer's quorum, an unreachable witness reported as
/// a partial quorum, and a fork refused by a witness that remembers what it cosigned.
@Suite(.serialized) struct WitnessServeCommandTests {
    @Test func checkpointCollectsCosignaturesOverHTTPAndAForkIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "witness-serve")
        defer { directory.remove() }
        let path = { (name: String) in directory.url.appendingPathComponent(name).path }
        let (ledger, signer) = try SampleLedger.build(at: path("ledger.db"))
        try SigningKeyFile.write(signer, to: path("coop.key"))
        try SigningKeyFile.writeVerifier(signer.verifier, to: path("coop.vkey"))
        var witnesses = [ServerProcess]()
        for name in ["w1", "w2"] {
            let key = try NoteSigner.generate(name: "witness.example/\(name)", type: .cosignatureV1)
            try SigningKeyFile.write(key, to: path("\(name).key"))
            try SigningKeyFile.writeVerifier(key.verifier, to: path("\(name).vkey"))
            witnesses.append(try ServerProcess(["--key", path("\(name).key"), "--log", path("coop.vkey"), "--state", path("\(name)-state")],
                                               command: ["witness", "serve"]))
        }
        let asking = ["--witness", witnesses[0].baseURL, "--witness-vkey", path("w1.vkey"),
                      "--witness", witnesses[1].baseURL + "/", "--witness-vkey", path("w2.vkey")]

        let both = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("ledger.db"), "--key", path("coop.key")] + asking)
        #expect(both.status == 0, "\(both.stdout)\(both.stderr)")
        #expect(both.stdout.contains("\u{2014} witness.example/w1 ") && both.stdout.contains("\u{2014} witness.example/w2 "), "\(both.stdout)")
        #expect(both.stderr.contains("cosigned by witness.example/w1") && both.stderr.contains("cosigned by witness.example/w2"), "\(both.stderr)")
        // Nothing appended since: the same cosigned checkpoint again, no witness asked twice, no copy stored.
        let stored = try ledger.checkpoints().count
        let repeated = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("ledger.db"), "--key", path("coop.key")] + asking)
        #expect(repeated.status == 0 && repeated.stdout == both.stdout, "\(repeated.stdout)\(repeated.stderr)")
        #expect(try ledger.checkpoints().count == stored)

        // The buyer's label now carries both cosignatures: a quorum of 2 verifies.
        let lot = "DT-LV-261103-01"
        let label = try AgriTraceBinary.run(["label", lot, "--ledger", path("ledger.db"), "--key", path("coop.key"), "--out", path("labels")])
        #expect(label.status == 0, "\(label.stderr)")
        let verify = try AgriTraceBinary.run(["verify-label", path("labels") + "/\(lot).proof", "--vkey", path("coop.vkey"),
                                              "--witness", path("w1.vkey"), "--witness", path("w2.vkey"), "--quorum", "2"])
        #expect(verify.status == 0 && verify.stdout.contains("VERIFIED") && !verify.stdout.contains("NOT VERIFIED"), "\(verify.stdout)\(verify.stderr)")

        // The ledger grows; a copy of it grows differently: the same size, another tree.
        // (The write-ahead log too: committed pages may not be in the main file yet.)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path("ledger.db") + suffix) {
            try FileManager.default.copyItem(atPath: path("ledger.db") + suffix, toPath: path("fork.db") + suffix)
        }
        try ledger.append([ProvenanceFixture.origin("VN-GROW-1")], signer: signer)
        let fork = try Ledger(provenanceAt: path("fork.db"))
        try fork.append([ProvenanceFixture.origin("VN-FORK-1")], signer: signer)

        // w2 goes away: with the default quorum (all) that is status 1, with --quorum 1 it is enough.
        let w2 = witnesses[1].stop()
        #expect(w2.status == 0, "\(w2)")
        let partial = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("ledger.db"), "--key", path("coop.key")] + asking)
        #expect(partial.status == 1, "\(partial.stdout)\(partial.stderr)")
        #expect(partial.stderr.contains("not reached") && partial.stderr.contains("1 of 2 witnesses cosigned, 2 required"), "\(partial.stderr)")
        let enough = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("ledger.db"), "--key", path("coop.key"),
                                              "--quorum", "1"] + asking)
        #expect(enough.status == 0, "\(enough.stdout)\(enough.stderr)")

        // w1 has cosigned the grown ledger; the fork of the same size is refused (409), status 3.
        let forked = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("fork.db"), "--key", path("coop.key"),
                                              "--witness", witnesses[0].baseURL, "--witness-vkey", path("w1.vkey")])
        #expect(forked.status == 3, "\(forked.stdout)\(forked.stderr)")
        #expect(forked.stderr.contains("REFUSED") && forked.stderr.contains("fork"), "\(forked.stderr)")
        #expect(!forked.stdout.contains("witness.example/w1"), "\(forked.stdout)")

        // The witness kept its state on disk: restarted, it still refuses the fork.
        #expect(witnesses[0].stop().status == 0)
        let restarted = try ServerProcess(["--key", path("w1.key"), "--log", path("coop.vkey"), "--state", path("w1-state")],
                                          command: ["witness", "serve"])
        let again = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("fork.db"), "--key", path("coop.key"),
                                             "--witness", restarted.baseURL, "--witness-vkey", path("w1.vkey")])
        #expect(again.status == 3 && again.stderr.contains("fork"), "\(again.stdout)\(again.stderr)")
        #expect(restarted.stop().status == 0)
    }

    @Test func witnessServeRefusesBadSetups() throws {
        let directory = try TemporaryDirectory(prefix: "witness-setup")
        defer { directory.remove() }
        let path = { (name: String) in directory.url.appendingPathComponent(name).path }
        let coop = try NoteSigner.generate(name: "coop.example/ledger")
        try SigningKeyFile.write(coop, to: path("coop.key"))
        try SigningKeyFile.writeVerifier(coop.verifier, to: path("coop.vkey"))
        let witness = try NoteSigner.generate(name: "witness.example/w1", type: .cosignatureV1)
        try SigningKeyFile.write(witness, to: path("w1.key"))
        // The cooperative's key is no witness key; no --log; a second process on one state directory.
        let notWitness = try AgriTraceBinary.run(["witness", "serve", "--key", path("coop.key"), "--log", path("coop.vkey"), "--state", path("s")])
        #expect(notWitness.status == 2 && notWitness.stderr.contains("not a witness key"), "\(notWitness.stderr)")
        let noLog = try AgriTraceBinary.run(["witness", "serve", "--key", path("w1.key"), "--state", path("s")])
        #expect(noLog.status == 2, "\(noLog.stderr)")
        let first = try ServerProcess(["--key", path("w1.key"), "--log", path("coop.vkey"), "--state", path("s")], command: ["witness", "serve"])
        let second = try AgriTraceBinary.run(["witness", "serve", "--key", path("w1.key"), "--log", path("coop.vkey"), "--state", path("s"),
                                              "--listen", "127.0.0.1:0"])
        #expect(second.status == 2 && second.stderr.contains("in use by another witness"), "\(second.stderr)")
        #expect(first.stop().status == 0)
        // checkpoint --witness without a key for it, or with the cooperative's key as the witness key.
        let unpaired = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", path("none.db"), "--key", path("coop.key"),
                                                "--witness", "http://127.0.0.1:1/"])
        #expect(unpaired.status == 2 && unpaired.stderr.contains("--witness-vkey"), "\(unpaired.stderr)")
    }
}
