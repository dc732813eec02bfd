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
                // The outcomes are printed when they differ: a round that failed says why.
                let second = await aggregator.runOnce()
                #expect(second == ["HTX-A": .ingested(from: 31, to: 34)], "\(second)")
                _ = try await cosigned(site, a, size: 34)
                let third = await aggregator.runOnce()
                #expect(third == ["HTX-A": .upToDate(size: 34)], "\(third)")
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

    /// Cooperatives can also push: `POST /add-checkpoint` on the aggregator's listener is the same
    /// witness (state in PostgreSQL), as `ledger checkpoint --witness URL` asks it; other methods get 405 with Allow.
    @Test func cooperativesCanAskTheListenerToCosign() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 83)
        defer { a.directory.remove() }
        try a.addLots(2, prefix: "A")      // 7 entries
        let first = try a.checkpoint().signedNote
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger,
                                                      witnessKey: Self.witnessKey) { _ in LedgerTileSource(path: a.path) }
                let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
                let server = Task {
                    try await ProvinceServer.run(site: ProvinceSite(store: store), witness: aggregator.witness?.witness, host: "127.0.0.1", port: 0,
                                                 logger: ProvinceTest.logger) { continuation.yield($0) }
                }
                defer { server.cancel() }
                var iterator = stream.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let endpoint = WitnessEndpoint(url: URL(string: "http://127.0.0.1:\(port)/add-checkpoint")!, key: Self.witnessKey.verifier)
                try a.addLots(1, prefix: "B")
                let second = try a.checkpoint().signedNote
                let proof = try a.ledger.consistencyProof(oldSize: 7, newSize: 10)
                func ask(_ note: String) async -> WitnessOutcome {
                    await WitnessClient.collect(signedCheckpoint: note, witnesses: [endpoint], timeoutSeconds: 60) { old, new in
                        guard old == 7, new == 10 else { throw PostgresCluster.Failure(description: "no proof from \(old) to \(new) here") }
                        return proof
                    }[0]
                }
                guard case .cosigned = await ask(first) else { Issue.record("size 7 was not cosigned"); return }
                guard case .cosigned = await ask(second) else { Issue.record("size 10 was not cosigned"); return }
                // The state is the aggregator's own: a rollback to 7 is refused.
                guard case .refused = await ask(first) else { Issue.record("a rollback to size 7 was cosigned"); return }
                #expect(try ProvinceTest.count(database, "SELECT count(*) FROM witness_state") == 1)
                let brew = try await HTTPProbe.requestOffPool("BREW", "/add-checkpoint", port: port, extraHeaders: ["Content-Length: 0"])
                #expect(brew.status == 405 && brew.headers["allow"] == "GET, HEAD, POST", "\(brew)")
                let put = try await HTTPProbe.requestOffPool("PUT", "/status", port: port, extraHeaders: ["Content-Length: 0"])
                #expect(put.status == 405 && put.headers["allow"] == "GET, HEAD", "\(put)")
            }
        }
    }
}
