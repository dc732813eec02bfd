import Foundation
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport

/// `EntryChain` on its own, as a reader that gets entries one at a time (not from the SQLite file)
/// runs it: the same findings `verify` makes, attributed to the same checks.
@Suite struct EntryChainTests {
    /// An in-memory `EarlierEntries` over the entries admitted so far.
    final class Admitted: EarlierEntries {
        var entries: [LedgerEntry] = []
        var keys: [[IndexKey]] = []
        func firstSeq(type: String, key: IndexKey) throws -> Int? {
            entries.indices.first { entries[$0].type == type && keys[$0].contains(key) }
        }
        func body(seq: Int) throws -> EntryBody? { entries.indices.contains(seq) ? entries[seq].body : nil }
        func leafHash(seq: Int) throws -> TreeHash? { entries.indices.contains(seq) ? entries[seq].leafHash : nil }
    }

    static func entries() throws -> (ProvenanceFixture, [LedgerEntry]) {
        let fixture = try VerifyTests.populated()
        do {
            let size = try fixture.ledger.size()
            return (fixture, try fixture.ledger.storedEntryBytes(seqs: 0..<size).map { try LedgerEntry(canonicalBytes: $0) })
        } catch {
            fixture.remove()
            throw error
        }
    }

    /// Runs the chain over `entries` in the given order (as seq 0, 1, …); returns the problems.
    static func run(_ entries: [LedgerEntry], trusting keys: [NoteVerifier]) -> [EntryChain.Problem] {
        var chain = EntryChain(trustedKeys: keys, rules: ProvenanceRules())
        let earlier = Admitted()
        var problems = [EntryChain.Problem]()
        for (seq, entry) in entries.enumerated() {
            let keys = EntryChain.indexKeys(of: entry.body, rules: ProvenanceRules())
            let result = chain.admit(entry, seq: seq, leafHash: entry.leafHash, indexKeys: keys, earlier: earlier)
            problems += result.problems
            if let signer = result.signedBy, !entry.hasValidSignature(by: signer) { Issue.record("signature of #\(seq)") }
            earlier.entries.append(entry)
            earlier.keys.append((try? keys.get()) ?? [])
        }
        return problems
    }

    @Test func anIntactLedgerHasNoProblems() throws {
        let (fixture, entries) = try Self.entries()
        defer { fixture.remove() }
        #expect(Self.run(entries, trusting: [fixture.signer.verifier]) == [])
        #expect(Self.run(entries, trusting: []) == [])
    }

    @Test func aDroppedEntryBreaksSeqAndPrev() throws {
        let (fixture, entries) = try Self.entries()
        defer { fixture.remove() }
        var dropped = entries
        dropped.remove(at: 3)
        let problems = Self.run(dropped, trusting: [fixture.signer.verifier])
        #expect(problems.first?.check == .seqContiguity, "\(problems)")
        #expect(problems.contains { $0.check == .prevChain && $0.seq == 3 })
    }

    @Test func anotherFirstKeyThanTheTrustedOneIsASignerKeyProblem() throws {
        let (fixture, entries) = try Self.entries()
        defer { fixture.remove() }
        let other = try NoteSigner(name: "other.example/ledger", seed: [UInt8](repeating: 9, count: 32)).verifier
        let problems = Self.run(entries, trusting: [other])
        #expect(problems.map(\.check) == [.signerKey] && problems.first?.seq == 0, "\(problems)")
    }

    /// A grading before its lot's registration breaks the provenance rules, found by the chain
    /// with the reader's own lookups, as `verify` finds it with SQLite's.
    @Test func theDomainRulesRunWithTheReadersLookups() throws {
        let (fixture, entries) = try Self.entries()
        defer { fixture.remove() }
        let gradings = entries.indices.filter { entries[$0].type == "grading" }
        let lots = entries.indices.filter { entries[$0].type == "lot" }
        let reordered = Array(entries[..<lots[0]]) + [entries[gradings[0]]]
        let problems = Self.run(reordered, trusting: [fixture.signer.verifier])
        #expect(problems.contains { $0.check == .domainRules && $0.seq == lots[0] }, "\(problems)")
    }
}
