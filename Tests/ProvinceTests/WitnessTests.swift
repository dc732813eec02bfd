import Foundation
import LedgerStore
import MerkleLog
import Province
import Testing
import TestSupport
import Witnessing

/// The aggregator as a witness: each checkpoint it verified is cosigned by the C2SP tlog-witness
/// code of `witness serve`, with the witness's state in PostgreSQL.
@Suite struct ProvinceWitnessTests {
    static let witnessKey = try! NoteSigner(name: "province.example/witness", type: .cosignatureV1, seed: [UInt8](repeating: 7, count: 32))

    /// The cooperative's checkpoint as the aggregator serves it, with a valid cosignature of the witness key.
    func cosigned(_ site: ProvinceSite, _ coop: CooperativeLedger, size: Int) async throws -> SignedNote {
        let reply = await site.reply(method: "GET", path: "/checkpoint/\(coop.name)", query: nil)
        #expect(reply.status == 200, "\(reply.body)")
        let (checkpoint, _) = try Checkpoint.open(reply.body, origin: coop.signer.name, trusting: [coop.signer.verifier])
        #expect(checkpoint.size == size)
        let note = try SignedNote(parsing: reply.body)
        let cosigners = try WitnessQuorum.cosigners(of: note, witnesses: [Self.witnessKey.verifier], logKeys: [coop.signer.verifier])
        #expect(cosigners.map(\.vkey) == [Self.witnessKey.verifier.vkey], "\(reply.body)")
        return note
    }

    @Test func cosignsEachVerifiedCheckpointAndNeverAnotherHistory() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 81)
        defer { a.directory.remove() }
        try a.addLots(10, prefix: "A")      // 31 entries
        try a.checkpoint()
        let source = LedgerTileSource(path: a.path)
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger,
                                                      witnessKey: Self.witnessKey) { _ in source }
                let site = ProvinceSite(store: store)
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 0, to: 31)])
                _ = try await cosigned(site, a, size: 31)
                #expect(try await store.status().first?.cosignedSize == 31)

                // A later checkpoint: cosigned from the size before, through a consistency proof.
                try a.addLots(1, prefix: "A2")
                try a.checkpoint()
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 31, to: 34)])
                _ = try await cosigned(site, a, size: 34)
                #expect(await aggregator.runOnce() == ["HTX-A": .upToDate(size: 34)])
                #expect(try ProvinceTest.count(database, "SELECT count(*) FROM checkpoints WHERE cosigned_note IS NOT NULL") == 2)

                // Another history of the same size under the cooperative's key: the witness (the
                // same code, the same state) refuses it when asked directly...
                let other = try CooperativeLedger(sameKeyAs: a, file: "other.db")
                try other.addLots(11, prefix: "X")
                #expect(try other.size() == 34)
                let forked = try other.checkpoint().signedNote
                let witness = try #require(aggregator.witness?.witness)
                let reply = await witness.addCheckpoint(Array(AddCheckpointRequest(oldSize: 34, consistencyProof: [], signedCheckpoint: forked).serialized.utf8),
                                                        timestamp: 1)
                #expect(reply.status == 409, "\(reply.body)")
                // ... and a larger one over it halts the cooperative without a cosignature.
                try other.addLots(1, prefix: "X2")
                try other.checkpoint()
                source.serve(path: other.path)
                #expect(await aggregator.runOnce()["HTX-A"]?.isHalted == true)
                #expect(try await store.status().first?.cosignedSize == 34)
                _ = try await cosigned(site, a, size: 34)
            }
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM witness_state") == 1)
        }
    }

    /// Without a witness key nothing is cosigned: /checkpoint serves the cooperative's own note.
    @Test func withoutAWitnessKeyTheCheckpointIsTheCooperatives() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 82)
        defer { a.directory.remove() }
        try a.addLots(1, prefix: "A")
        let signed = try a.checkpoint().signedNote
        let source = LedgerTileSource(path: a.path)
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: ProvinceConfig(cooperatives: [a.cooperative]), store: store,
                                                      logger: ProvinceTest.logger) { _ in source }
                await aggregator.runOnce()
                let site = ProvinceSite(store: store)
                #expect(await site.reply(method: "GET", path: "/checkpoint/HTX-A", query: nil).body == signed)
                #expect(await site.reply(method: "GET", path: "/checkpoint/HTX-NONE", query: nil).status == 404)
                #expect(try await store.status().first?.cosignedSize == nil)
            }
        }
    }
}
