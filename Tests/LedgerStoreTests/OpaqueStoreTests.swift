import Foundation
import LedgerStore
import Localization
import MerkleLog
import Testing
import TestSupport

/// A rule set that is not provenance: notes with a tag, and replies that must name an earlier
/// note by seq. The store works with it as with any other.
struct NoteRules: EntryRules {
    var types: Set<String> { ["note", "reply"] }

    func validate(_ body: EntryBody) throws -> [IndexKey] {
        var reader = FieldReader(body.fields, strict: true)
        let tag = try reader.text("tag")
        if body.type == "reply" { _ = try reader.nonNegativeInteger("to") }
        _ = try reader.optionalValue("extra")
        try reader.finish()
        return [IndexKey("tag", tag)]
    }

    func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> Message? {
        guard body.type == "reply", let to = body.fields["to"]?.intValue else { return nil }
        return try earlier.body(seq: to)?.type == "note" ? nil : .verbatim("replies to \(to), which is not an earlier note")
    }
}

/// The note rules without their cross-entry rule.
struct LaxNoteRules: EntryRules {
    var types: Set<String> { NoteRules().types }
    func validate(_ body: EntryBody) throws -> [IndexKey] { try NoteRules().validate(body) }
    func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> Message? { nil }
}

@Suite struct OpaqueStoreTests {
    static func ledger(_ directory: TemporaryDirectory) throws -> (Ledger, NoteSigner) {
        let signer = try NoteSigner(name: "notes.example/log", seed: [UInt8](repeating: 3, count: 32))
        let ledger = try Ledger.create(at: directory.url.appendingPathComponent("notes.db").path, signer: signer, rules: NoteRules(),
                                       clock: .fixed(millisecondsSinceEpoch: 0))
        return (ledger, signer)
    }

    static func note(_ tag: String, extra: JSONValue? = nil) -> EntryBody {
        var fields: [String: JSONValue] = ["tag": .string(tag)]
        fields["extra"] = extra
        return EntryBody(type: "note", fields: fields)
    }

    @Test func storesLooksUpAndVerifiesAnotherDomain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try Self.ledger(directory)
        try ledger.append([Self.note("a"), Self.note("b"), EntryBody(type: "reply", fields: ["tag": "a", "to": 1])], signer: signer)
        #expect(try ledger.entries(withKey: IndexKey("tag", "a")).map(\.seq) == [1, 3])
        #expect(try ledger.firstEntry(type: "reply", withKey: IndexKey("tag", "a"))?.seq == 3)
        #expect(try ledger.entries(type: "note").map(\.seq) == [1, 2])
        #expect(try ledger.verify(trustedKeys: [signer.verifier]).isIntact)
        // Idempotent append on generic keys.
        let again = try ledger.append([Self.note("a")], signer: signer, unlessRecorded: [IndexKey("tag", "b")])
        #expect(again.alreadyRecorded && again.existingSeqs == [2])
    }

    /// The size limit is exact: an entry of exactly `maxEntryBytes` is signed and read back, one
    /// byte more is refused before signing and nothing is written.
    @Test func sizeLimitIsExactOnBothSides() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try Self.ledger(directory)
        let previous = try #require(try ledger.entry(seq: 0))
        // Padding in strings of at most `maxStringScalars`: a fixed number of full ones and a last one of `padding`.
        func note(padding: Int, full: Int) -> EntryBody {
            let strings = Array(repeating: JSONValue.string(String(repeating: "x", count: EntryValidator.maxStringScalars)), count: full)
            return Self.note("padding", extra: .array(strings + [.string(String(repeating: "x", count: padding))]))
        }
        // The size of the next entry with a given padding, computed by signing it outside the ledger.
        func size(padding: Int, full: Int) throws -> Int {
            try LedgerEntry(seq: 1, prev: previous.leafHash, recordedAt: previous.recordedAt, body: note(padding: padding, full: full),
                            signer: signer).canonicalBytes.count
        }
        // Each full string adds its characters, two quotes and a comma.
        let full = (EntryValidator.maxEntryBytes - (try size(padding: 10, full: 0) - 10)) / (EntryValidator.maxStringScalars + 3)
        let exact = EntryValidator.maxEntryBytes - (try size(padding: 10, full: full) - 10)
        try #require((1..<EntryValidator.maxStringScalars).contains(exact), "\(exact): the last string must stay within its own limit")
        let refusal = #expect(throws: LedgerError.self) { try ledger.append([note(padding: exact + 1, full: full)], signer: signer) }
        guard case .rejectedEntry(_, _, let reason)? = refusal else { Issue.record("\(String(describing: refusal))"); return }
        #expect(reason.description.contains("over the limit"), "\(reason)")
        #expect(try ledger.size() == 1)
        let entry = try #require(try ledger.append([note(padding: exact, full: full)], signer: signer).appended.first)
        #expect(entry.canonicalBytes.count == EntryValidator.maxEntryBytes)
        #expect(try LedgerEntry(canonicalBytes: entry.canonicalBytes).leafHash == entry.leafHash)
        #expect(try ledger.verify(trustedKeys: [signer.verifier]).isIntact)
    }

    @Test func theRuleHookRunsOnAppendAndOnVerify() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try Self.ledger(directory)
        try ledger.append([Self.note("a")], signer: signer)
        #expect(throws: LedgerError.self) {
            try ledger.append([EntryBody(type: "reply", fields: ["tag": "a", "to": 0])], signer: signer)   // entry 0 is a key
        }
        #expect(throws: LedgerError.self) { try ledger.append([EntryBody(type: "memo", fields: ["tag": "a"])], signer: signer) }
        #expect(throws: LedgerError.self) { try ledger.append([EntryBody(type: "note", fields: [:])], signer: signer) }
        #expect(try ledger.size() == 2)
        // The same rules judge a stored entry: a writer with laxer rules stores a reply the
        // note rules refuse, and verify under the note rules names it.
        let lax = try Ledger(path: ledger.path, rules: LaxNoteRules())
        try lax.append([EntryBody(type: "reply", fields: ["tag": "x", "to": 0])], signer: signer)
        let report = try ledger.verify()
        #expect(report.failures.contains { $0.seq == 2 && $0.check == .domainRules && $0.message.description.contains("not an earlier note") })
    }

    @Test func verifyComparesTheStoredIndexKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (ledger, signer) = try Self.ledger(directory)
        try ledger.append([Self.note("a"), Self.note("b")], signer: signer)
        try SQLiteShell.tamper(ledger.path, "UPDATE entry_keys SET value = 'b' WHERE seq = 1;")
        var report = try ledger.verify()
        #expect(report.failures.contains { $0.seq == 1 && $0.check == .storedColumns })
        try SQLiteShell.tamper(ledger.path, "UPDATE entry_keys SET value = 'a' WHERE seq = 1; INSERT INTO entry_keys VALUES (7, 'tag', 'z');")
        report = try ledger.verify()
        #expect(report.failures.map(\.message.description).contains { $0.contains("do not exist") }, "\(report.failures)")
        try SQLiteShell.tamper(ledger.path, "DELETE FROM entry_keys WHERE seq = 7; DELETE FROM entry_keys WHERE seq = 2;")
        report = try ledger.verify()
        #expect(report.failures.contains { $0.seq == 2 && $0.check == .storedColumns })
    }
}
