import Foundation
import LedgerStore
import MerkleLog
import Provenance
import Testing
import ProvenanceTestSupport
import TestSupport

/// Tampering through the sqlite3 shell, with the append-only triggers dropped first, as an
/// attacker with file access would. Each case must be caught and the exact entry named.
@Suite struct VerifyTests {
    /// A ledger of 12 entries (key, 3 origins, 4 lots, 4 gradings) with a checkpoint at the end.
    static func populated() throws -> ProvenanceFixture {
        let fixture = try ProvenanceFixture()
        var bodies = [ProvenanceRecord]()
        for o in 1...3 { bodies.append(ProvenanceFixture.origin("O\(o)")) }
        for l in 1...4 { bodies.append(ProvenanceFixture.lot("L\(l)", origin: "O\(l % 3 + 1)")) }
        for l in 1...4 { bodies.append(ProvenanceFixture.grading("L\(l)")) }
        do {
            try fixture.ledger.append(Array(bodies[0..<5]), signer: fixture.signer)
            try fixture.ledger.signCheckpoint(signer: fixture.signer)
            try fixture.ledger.append(Array(bodies[5...]), signer: fixture.signer)
            try fixture.ledger.signCheckpoint(signer: fixture.signer)
            return fixture
        } catch {
            fixture.remove()
            throw error
        }
    }

    /// Verifies with several chunk sizes (so the pipelined stages meet chunk boundaries at
    /// every entry) and requires the same findings from each.
    static func verify(_ ledger: Ledger, trustedKeys: [NoteVerifier] = []) throws -> VerificationReport {
        let reports = try [1, 5, 2048].map { try ledger.verify(trustedKeys: trustedKeys, threads: 2, chunkSize: $0) }
        for report in reports.dropFirst() {
            #expect(report.failures.map(\.description) == reports[0].failures.map(\.description))
            #expect(report.root == reports[0].root)
        }
        return reports[0]
    }

    @Test func intactLedgerVerifies() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        let report = try Self.verify(fixture.ledger, trustedKeys: [fixture.signer.verifier])
        #expect(report.isIntact, "\(report.failures)")
        #expect(report.entriesChecked == 12)
        #expect(report.checkpointsChecked == 2)
        #expect(report.root == (try fixture.ledger.treeHead().root))
        #expect(report.keysPinned)
    }

    @Test func untrustedKeyIsReported() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        let stranger = try NoteSigner(name: ProvenanceFixture.origin, seed: [UInt8](repeating: 1, count: 32))
        let report = try Self.verify(fixture.ledger, trustedKeys: [stranger.verifier])
        // Not evidence of editing: the entries hold together under a key that is not the one given.
        #expect(!report.isIntact)
        #expect(report.verdict == .notSignedByGivenKeys, "\(report.failures)")
        #expect(report.firstBadEntry == nil)
        #expect(report.failures.contains { $0.seq == 0 && $0.check == .signerKey && $0.isKeyMismatch })
        #expect(report.failures.contains { $0.check == .checkpointSignature && $0.isKeyMismatch })
        #expect(report.tamperingFailures.isEmpty)
        #expect(report.firstKey == fixture.signer.verifier.vkey)
    }

    @Test func editedBodyIsNamed() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        // Change a lot's harvest date inside the stored JSON; the bytes stay canonical JSON. (Not
        // the crop: that would also break the origin rule, a failure this test is not about.)
        try SQLiteShell.tamper(fixture.path, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"harvest_date\":\"2026-03-01\"', '\"harvest_date\":\"2026-03-02\"') AS BLOB) WHERE seq = 6;")
        let report = try Self.verify(fixture.ledger)
        #expect(report.firstBadEntry == 6)
        #expect(report.firstFailure?.check == .storedColumns || report.firstFailure?.check == .treeHashes)
        #expect(report.failures.contains { $0.seq == 6 && $0.check == .entrySignature })
        #expect(report.failures.contains { $0.seq == 7 && $0.check == .prevChain })
    }

    /// An edited ledger checked with the wrong key is tampered, whatever the key says.
    @Test func editedBodyWithAStrangerKeyIsStillTampered() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        try SQLiteShell.tamper(fixture.path, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '\"harvest_date\":\"2026-03-01\"', '\"harvest_date\":\"2026-03-02\"') AS BLOB) WHERE seq = 6;")
        let stranger = try NoteSigner(name: ProvenanceFixture.origin, seed: [UInt8](repeating: 1, count: 32))
        let report = try Self.verify(fixture.ledger, trustedKeys: [stranger.verifier])
        #expect(report.verdict == .tampered)
        #expect(report.firstBadEntry == 6)
        #expect(report.hasKeyMismatch)
    }

    @Test func editWithRecomputedLeafHashIsStillCaught() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        // A careful attacker also rewrites the leaf_hash column (sqlite3 has no SHA-256, so copy
        // another row's): the signature, chain and tree hashes still expose entry 4.
        try SQLiteShell.tamper(fixture.path, "UPDATE entries SET body = (SELECT body FROM entries WHERE seq = 5), leaf_hash = (SELECT leaf_hash FROM entries WHERE seq = 5) WHERE seq = 4;")
        let report = try Self.verify(fixture.ledger)
        #expect(report.firstBadEntry == 4)
        #expect(report.failures.contains { $0.seq == 4 && $0.check == .seqContiguity })
    }

    @Test func deletedRowIsNamed() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        try SQLiteShell.tamper(fixture.path, "DELETE FROM entries WHERE seq = 8;")
        let report = try Self.verify(fixture.ledger)
        #expect(report.firstBadEntry == 8)
        #expect(report.firstFailure?.check == .seqContiguity)
        #expect(report.firstFailure?.message.description == "entry 8 is missing")
        #expect(report.failures.contains { $0.check == .checkpointRoot })
        // Several in a row are named as a range people read, first to last.
        try SQLiteShell.tamper(fixture.path, "DELETE FROM entries WHERE seq IN (6, 7);")
        #expect(try Self.verify(fixture.ledger).firstFailure?.message.description == "entries 6 to 8 are missing")
    }

    @Test func deletedLastRowIsCaughtByTheCheckpoint() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        try SQLiteShell.tamper(fixture.path, "DELETE FROM entries WHERE seq = 11;")
        let report = try Self.verify(fixture.ledger)
        #expect(!report.isIntact)
        #expect(report.failures.contains { $0.check == .checkpointRoot })
    }

    @Test func reorderedRowsAreNamed() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        // Swap the seq numbers of rows 9 and 10 (via a temporary value).
        try SQLiteShell.tamper(fixture.path, "UPDATE entries SET seq = 1000 WHERE seq = 9; UPDATE entries SET seq = 9 WHERE seq = 10; UPDATE entries SET seq = 10 WHERE seq = 1000;")
        let report = try Self.verify(fixture.ledger)
        #expect(report.firstBadEntry == 9)
        #expect(report.firstFailure?.check == .seqContiguity)
    }

    @Test func tamperedTreeHashIsNamed() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        try SQLiteShell.tamper(fixture.path, "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 2;")
        let report = try Self.verify(fixture.ledger)
        #expect(report.firstBadEntry == 5)   // node (1, 2) completes with entry 5
        #expect(report.firstFailure?.check == .treeHashes)
    }

    @Test func nfdBytesAreNotCanonical() throws {
        let fixture = try Self.populated()
        defer { fixture.remove() }
        // Rewrite "Nguyễn" (NFC) as NFD in entry 1: same text to a reader, different bytes.
        try SQLiteShell.tamper(fixture.path, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'Nguyễn', 'Nguyễn') AS BLOB) WHERE seq = 1;")
        let report = try Self.verify(fixture.ledger)
        #expect(report.firstBadEntry == 1)
        #expect(report.failures.contains { $0.seq == 1 && $0.check == .canonicalBytes })
    }
}

/// Ledger files that cannot be opened the usual way say so plainly.
@Suite struct LedgerFileStateTests {
    /// A ledger on read-only media or a share opens for reading (immutable), whatever its path's
    /// letters; a damaged file is `damaged` (what verification would call it), an empty one is no ledger.
    @Test func readOnlyFoldersDamagedAndEmptyFiles() throws {
        let directory = try TemporaryDirectory(prefix: "ledger-state")
        defer { directory.remove() }
        let folder = directory.url.appendingPathComponent("chỉ đọc %3F?#").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/coop.db"
        let signer = try NoteSigner(name: "coop.example/ledger", seed: [UInt8](repeating: 7, count: 32))
        let size: Int
        do {
            let ledger = try Ledger.create(at: path, signer: signer, rules: NoteRules())
            try ledger.append((0..<40).map { EntryBody(type: "note", fields: ["tag": .string("t\($0)")]) }, signer: signer)
            size = try ledger.size()
        }
        // Root may write anywhere, so the folder's own permissions cannot stand in for read-only
        // media here; a reader that still demanded to create files beside the ledger fails on
        // a name SQLite cannot create its side files for: occupy it with a folder.
        try FileManager.default.createDirectory(atPath: path + "-shm", withIntermediateDirectories: false)
        let reader = try Ledger(path: path, rules: NoteRules(), readOnly: true)
        #expect(try reader.size() == size)
        #expect(try reader.verify().isIntact)
        try FileManager.default.removeItem(atPath: path + "-shm")

        let damaged = directory.url.appendingPathComponent("damaged.db").path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try #require(bytes.count > 8192)
        bytes.replaceSubrange(4096..<bytes.count, with: Data(repeating: 0xA5, count: bytes.count - 4096))
        try bytes.write(to: URL(fileURLWithPath: damaged))
        #expect(throws: LedgerError.self) { _ = try Ledger(path: damaged, rules: NoteRules(), readOnly: true).verify() }
        do {
            let opened = try Ledger(path: damaged, rules: NoteRules(), readOnly: true)
            _ = try opened.verify()
        } catch let error as LedgerError {
            if case .damaged = error {} else if case .database = error {} else { Issue.record("damaged file: \(error)") }
        }

        let empty = directory.url.appendingPathComponent("empty.db").path
        try #require(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: LedgerError.self) { _ = try Ledger(path: empty, rules: NoteRules(), readOnly: true) }
        do { _ = try Ledger(path: empty, rules: NoteRules(), readOnly: true) } catch let error as LedgerError {
            #expect(error.message.description.contains("the file is empty"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty, "a reader wrote to the file")
    }
}
