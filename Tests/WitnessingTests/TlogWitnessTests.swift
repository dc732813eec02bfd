import Foundation
import MerkleLog
import Testing
import TestSupport
@testable import Witnessing

/// A log of numbered leaves, its key, and a witness over a fresh state directory, removed with
/// the fixture (each test's suite instance holds one of its own).
final class WitnessFixture: Sendable {
    let logKey = try! NoteSigner(name: "coop.example/ledger", seed: [UInt8](repeating: 1, count: 32))
    let otherKey = try! NoteSigner(name: "coop.example/ledger", seed: [UInt8](repeating: 2, count: 32))
    let witnessKey = try! NoteSigner(name: "witness.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 3, count: 32))
    let directory: String

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UUID().uuidString)").path
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func witness(store: WitnessStateDirectory? = nil) throws -> TlogWitness {
        try TlogWitness(signer: witnessKey, logs: [WitnessedLog(origin: "coop.example/ledger", keys: [logKey.verifier])],
                        store: store ?? WitnessStateDirectory(path: directory))
    }

    /// A tree of `size` leaves; `fork` changes leaf 0 so every size has another root.
    func tree(_ size: Int, fork: Bool = false) -> InMemoryTree {
        InMemoryTree(leafHashes: (0..<size).map { MerkleHasher.leafHash(Array("leaf \($0)\(fork && $0 == 0 ? " forked" : "")".utf8)) })
    }

    func signed(_ size: Int, fork: Bool = false, by key: NoteSigner? = nil, origin: String = "coop.example/ledger") throws -> String {
        try Checkpoint(origin: origin, size: size, root: try tree(size, fork: fork).root()).signed(by: key ?? logKey).serialized
    }

    func body(old: Int, size: Int, fork: Bool = false, proof: [TreeHash]? = nil, by key: NoteSigner? = nil,
              origin: String = "coop.example/ledger") throws -> [UInt8] {
        let consistency = try proof ?? (old == 0 ? [] : MerkleTree.consistencyProof(oldSize: old, newSize: size, source: tree(size, fork: fork)))
        return Array(AddCheckpointRequest(oldSize: old, consistencyProof: consistency,
                                          signedCheckpoint: try signed(size, fork: fork, by: key, origin: origin)).serialized.utf8)
    }
}

@Suite struct TlogWitnessTests {
    let f = WitnessFixture()

    /// The answer's lines are the witness's cosignature over exactly the submitted checkpoint.
    func expectCosigned(_ reply: WitnessReply, size: Int, fork: Bool = false) throws {
        #expect(reply.status == 200, "\(reply)")
        let note = try SignedNote(parsing: try f.signed(size, fork: fork) + reply.body)
        let cosigners = try WitnessQuorum.cosigners(of: note, witnesses: [f.witnessKey.verifier], logKeys: [f.logKey.verifier])
        #expect(cosigners == [f.witnessKey.verifier])
        #expect(reply.body.hasPrefix("\u{2014} witness.example/w1 ") && reply.body.hasSuffix("\n"))
    }

    @Test func firstCheckpointThenGrowthWithAProof() async throws {
        let witness = try f.witness()
        try expectCosigned(await witness.addCheckpoint(try f.body(old: 0, size: 5), timestamp: 1_700_000_000), size: 5)
        try expectCosigned(await witness.addCheckpoint(try f.body(old: 5, size: 13), timestamp: 1_700_000_001), size: 13)
        // The same checkpoint again is cosigned again (same size, same root, empty proof).
        try expectCosigned(await witness.addCheckpoint(try f.body(old: 13, size: 13), timestamp: 1_700_000_002), size: 13)
    }

    /// Every wrong old size gets 409 with the size cosigned last, as text/x.tlog.size.
    @Test func staleOrUnknownOldSizeIsAConflictNamingTheKnownSize() async throws {
        let witness = try f.witness()
        _ = await witness.addCheckpoint(try f.body(old: 0, size: 8), timestamp: 1)
        for old in [0, 3, 7, 9] {
            let reply = await witness.addCheckpoint(try f.body(old: old, size: 20), timestamp: 2)
            #expect(reply == WitnessReply(status: 409, contentType: "text/x.tlog.size", body: "8\n"), "old \(old)")
        }
    }

    @Test func aForkOfTheSameSizeIsAConflict() async throws {
        let witness = try f.witness()
        _ = await witness.addCheckpoint(try f.body(old: 0, size: 8), timestamp: 1)
        let reply = await witness.addCheckpoint(try f.body(old: 8, size: 8, fork: true, proof: []), timestamp: 2)
        #expect(reply.status == 409 && reply.body == "8\n" && reply.contentType == "text/x.tlog.size")
    }

    /// A smaller tree after a larger one: the old size cannot match (409) and cannot exceed the new size (400).
    @Test func aRollbackIsRefused() async throws {
        let witness = try f.witness()
        _ = await witness.addCheckpoint(try f.body(old: 0, size: 10), timestamp: 1)
        #expect(await witness.addCheckpoint(try f.body(old: 4, size: 6), timestamp: 2).status == 409)
        #expect(await witness.addCheckpoint(try f.body(old: 10, size: 6, proof: []), timestamp: 2).status == 400)
    }

    /// Each hash of a valid proof bit-flipped, a hash dropped, one added, and a fork's proof: all 422, state unchanged.
    @Test func everyBrokenConsistencyProofIs422() async throws {
        let witness = try f.witness()
        _ = await witness.addCheckpoint(try f.body(old: 0, size: 7), timestamp: 1)
        let good = try MerkleTree.consistencyProof(oldSize: 7, newSize: 30, source: f.tree(30))
        var broken: [[TreeHash]] = [Array(good.dropLast()), good + [good[0]]]
        for index in good.indices {
            var bytes = good[index].bytes
            bytes[index % 32] ^= 0x01
            var proof = good
            proof[index] = TreeHash(bytes: bytes)!
            broken.append(proof)
        }
        for proof in broken {
            #expect(await witness.addCheckpoint(try f.body(old: 7, size: 30, proof: proof), timestamp: 2).status == 422)
        }
        // The forked tree of size 30 is not an extension of the cosigned size 7.
        #expect(await witness.addCheckpoint(try f.body(old: 7, size: 30, fork: true), timestamp: 2).status == 422)
        #expect(await witness.addCheckpoint(try f.body(old: 0, size: 30, proof: [good[0]]), timestamp: 2).status == 409)
        try expectCosigned(await witness.addCheckpoint(try f.body(old: 7, size: 30), timestamp: 3), size: 30)
    }

    @Test func aProofFromSizeZeroMustBeEmpty() async throws {
        let witness = try f.witness()
        let proof = try MerkleTree.consistencyProof(oldSize: 2, newSize: 5, source: f.tree(5))
        #expect(await witness.addCheckpoint(try f.body(old: 0, size: 5, proof: proof), timestamp: 1).status == 422)
    }

    @Test func unknownOriginIs404AndNoTrustedSignatureIs403() async throws {
        let store = try WitnessStateDirectory(path: f.directory)
        let witness = try f.witness(store: store)
        let unknown = await witness.addCheckpoint(try f.body(old: 0, size: 3, origin: "other.example/log"), timestamp: 1)
        #expect(unknown.status == 404)
        #expect(unknown.body == "this witness does not follow the log other.example/log\nnhân chứng này không theo dõi sổ cái other.example/log\n")
        #expect(await witness.addCheckpoint(try f.body(old: 0, size: 3, by: f.otherKey), timestamp: 1).status == 403)
        // A valid cosignature is no log signature.
        let cosignedOnly = try Checkpoint(origin: "coop.example/ledger", size: 3, root: try f.tree(3).root()).signed(by: f.witnessKey).serialized
        let body = Array(AddCheckpointRequest(oldSize: 0, consistencyProof: [], signedCheckpoint: cosignedOnly).serialized.utf8)
        #expect(await witness.addCheckpoint(body, timestamp: 1).status == 403)
        // A known key's signature that fails (one bit of the note changed after signing) is 403 too.
        let good = try f.signed(3)
        let tampered = good.replacingOccurrences(of: "\n3\n", with: "\n4\n")
        #expect(await witness.addCheckpoint(Array("old 0\n\n\(tampered)".utf8), timestamp: 1).status == 403)
        // Nothing was stored by any of them.
        #expect(try store.state(origin: "coop.example/ledger") == nil)
        #expect(try store.state(origin: "other.example/log") == nil)
    }

    @Test func malformedBodiesAre400() async throws {
        let witness = try f.witness()
        let checkpoint = try f.signed(3)
        let hash = try f.tree(3).root().base64
        for body in ["", "old 0\n", "old 0\n\n", "old 00\n\n\(checkpoint)", "old -1\n\n\(checkpoint)", "old 1\n\(hash)\n\(checkpoint)",
                     "new 0\n\n\(checkpoint)", "old 0\nnot base64\n\n\(checkpoint)", "old 0\n\nnot a note\n",
                     "old 0\n" + String(repeating: "\(hash)\n", count: 64) + "\n\(checkpoint)"] {
            #expect(await witness.addCheckpoint(Array(body.utf8), timestamp: 1).status == 400, "\(body.prefix(40))")
        }
        #expect(await witness.addCheckpoint([0x6f, 0x6c, 0x64, 0x20, 0xff, 0x0a], timestamp: 1).status == 400)
    }

    /// The state outlives the process: a new witness over the same directory knows the size.
    @Test func stateIsDurableAcrossRestarts() async throws {
        weak var first: WitnessStateDirectory?
        do {
            let store = try WitnessStateDirectory(path: f.directory)
            first = store
            let witness = try f.witness(store: store)
            _ = await witness.addCheckpoint(try f.body(old: 0, size: 9), timestamp: 1)
        }
        // The first witness (and its lock) goes with the last reference its finished call held,
        // which on a loaded machine can be a moment after this scope: wait for it, as a restart would.
        let deadline = Date().addingTimeInterval(60)
        while first != nil && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(first == nil, "the first witness was never released")
        let again = try f.witness()
        #expect(await again.addCheckpoint(try f.body(old: 0, size: 12), timestamp: 2) == .conflict(knownSize: 9))
        try expectCosigned(await again.addCheckpoint(try f.body(old: 9, size: 12), timestamp: 3), size: 12)
    }

    @Test func aSecondWitnessOnTheSameStateIsRefused() throws {
        let first = try WitnessStateDirectory(path: f.directory)
        #expect(throws: WitnessStoreError.self) { _ = try WitnessStateDirectory(path: f.directory) }
        withExtendedLifetime(first) {}
    }

    /// A state file this witness did not cosign is not trusted: 500, nothing cosigned.
    @Test func aSwappedStateFileFailsClosed() async throws {
        let store = try WitnessStateDirectory(path: f.directory)
        let witness = try f.witness(store: store)
        _ = await witness.addCheckpoint(try f.body(old: 0, size: 4), timestamp: 1)
        try Data(try f.signed(2).utf8).write(to: URL(fileURLWithPath: store.fileName("coop.example/ledger")))
        #expect(await witness.addCheckpoint(try f.body(old: 2, size: 6), timestamp: 2).status == 500)
        #expect(await witness.addCheckpoint(try f.body(old: 4, size: 6), timestamp: 2).status == 500)
    }

    /// Many requests from the same old size at once: exactly one is cosigned, the rest see the new size.
    @Test func concurrentRequestsCannotRollTheStateBack() async throws {
        let store = try WitnessStateDirectory(path: f.directory)
        let witness = try f.witness(store: store)
        _ = await witness.addCheckpoint(try f.body(old: 0, size: 4), timestamp: 1)
        let bodies = try (5...24).map { try f.body(old: 4, size: $0) }
        let replies = await withTaskGroup(of: WitnessReply.self) { group in
            for body in bodies { group.addTask { await witness.addCheckpoint(body, timestamp: 2) } }
            var all = [WitnessReply]()
            for await reply in group { all.append(reply) }
            return all
        }
        let accepted = replies.filter { $0.status == 200 }
        #expect(accepted.count == 1)
        #expect(replies.filter { $0.status == 409 }.count == bodies.count - 1)
        let stored = try #require(try store.state(origin: "coop.example/ledger"))
        let size = try Checkpoint(text: try SignedNote(parsing: stored).text).size
        #expect(size > 4)
        #expect(replies.filter { $0.status == 409 }.allSatisfy { $0.body == "\(size)\n" })
    }

    @Test func requestRoundTripsAndLimits() throws {
        let proof = try MerkleTree.consistencyProof(oldSize: 3, newSize: 9, source: f.tree(9))
        let request = AddCheckpointRequest(oldSize: 3, consistencyProof: proof, signedCheckpoint: try f.signed(9))
        #expect(try AddCheckpointRequest(parsing: Array(request.serialized.utf8)) == request)
        #expect(throws: NoteError.self) { try AddCheckpointRequest(parsing: [UInt8](repeating: 0x41, count: AddCheckpointRequest.maxBytes + 1)) }
    }
}
