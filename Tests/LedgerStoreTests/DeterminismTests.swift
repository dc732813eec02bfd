import Foundation
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport

@Suite struct DeterminismTests {
    /// One 150-entry append (encoded on all cores, signed on a helper thread while stored) and
    /// 150 one-entry appends (all on the caller's thread) give byte-identical ledgers.
    @Test func batchedAndSingleAppendsProduceTheSameLedger() throws {
        let batched = try ProvenanceFixture()
        defer { batched.remove() }
        let single = try ProvenanceFixture()
        defer { single.remove() }
        let bodies = [ProvenanceFixture.origin("O1")] + (0..<75).flatMap { [ProvenanceFixture.lot("L\($0)", origin: "O1"), ProvenanceFixture.grading("L\($0)")] }
        try batched.ledger.append(bodies, signer: batched.signer)
        for body in bodies { try single.ledger.append([body], signer: single.signer) }
        let a = try batched.ledger.entries(seqs: 0..<200), b = try single.ledger.entries(seqs: 0..<200)
        #expect(a.count == 152)
        #expect(a.map(\.canonicalBytes) == b.map(\.canonicalBytes))
        #expect(try batched.ledger.treeHead().root == single.ledger.treeHead().root)
        #expect(try batched.ledger.verify(trustedKeys: [batched.signer.verifier]).isIntact)
    }

    @Test func signatureCoversTheEntryWithoutItsTopLevelSigOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try OpaqueStoreTests.ledger(directory)
        // An entry holding a nested "sig" member: only the top-level one is removed.
        let entry = try #require(try ledger.append([OpaqueStoreTests.note("t", extra: .object(["sig": "nested", "note": "keep"]))],
                                                   signer: signer).appended.first)
        let text = String(decoding: entry.signedBytes, as: UTF8.self)
        #expect(text.contains(#""extra":{"note":"keep","sig":"nested"}"#))
        #expect(!text.contains(Base64.encode(entry.signature)))
        let decoded = try LedgerEntry(canonicalBytes: entry.canonicalBytes)
        #expect(decoded.signedBytes == entry.signedBytes)
        #expect(decoded.hasValidSignature(by: signer.verifier))
    }
}

@Suite struct WriteAheadLogTests {
    /// SQLite checkpoints the write-ahead log into the database file when a commit leaves it
    /// over 1000 pages, unless the committing connection still holds a read snapshot. A statement
    /// left mid-result at COMMIT did exactly that, and the log grew without bound (11 GB while
    /// building a million-entry ledger). 3000 entries write well over the threshold.
    @Test func walIsCheckpointedWhileTheLedgerStaysOpen() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("O1")], signer: fixture.signer)
        for batch in 0..<30 {
            try fixture.ledger.append((0..<100).map { ProvenanceFixture.lot("B\(batch)-\($0)", origin: "O1") }, signer: fixture.signer)
        }
        let database = try FileManager.default.attributesOfItem(atPath: fixture.path)[.size] as? Int ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: fixture.path + "-wal")[.size] as? Int) ?? 0
        #expect(database > 1_000_000, "database file \(database) bytes, WAL \(wal) bytes")
        #expect(wal < 6_000_000, "database file \(database) bytes, WAL \(wal) bytes")
    }
}
