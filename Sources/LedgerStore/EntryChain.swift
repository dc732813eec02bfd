import MerkleLog
import Localization

/// The order-dependent checks of a ledger's entries, one entry at a time in `seq` order: seq
/// contiguity, the prev chain, timestamps that never go back, who may sign at each point (key
/// entries replayed by `KeyRing`), the pinned first key, and the domain rules (`EntryRules`).
///
/// One implementation for every reader: `Ledger.verify` runs it over the SQLite file, and a
/// follower that reads a ledger entry by entry from elsewhere (the province aggregator reading a
/// cooperative's tiles) runs the same code, so an entry is judged alike wherever it is read.
/// Signatures are checked by the caller against the key `admit` returns (verify checks them on
/// all cores in advance), so this stays cheap and sequential.
public struct EntryChain: Sendable {
    /// One broken rule, with the verification check it belongs to.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let check: VerificationReport.Check
        public let seq: Int
        public let message: Message
        /// Only says that the ledger's first key is not among the keys given (`VerificationReport.Failure.isKeyMismatch`).
        public var isKeyMismatch = false
        public var description: String { "entry #\(seq): \(message)" }
    }

    public let trustedKeys: [NoteVerifier]
    public let rules: any EntryRules
    /// The seq the next entry must have; the number of entries admitted so far.
    public private(set) var expectedSeq = 0
    /// Leaf hash of the last admitted entry (zero before entry 0).
    public private(set) var prev = TreeHash.zero
    private var lastTime: Int64 = .min
    private var keys = KeyRing()

    /// `trustedKeys`: when given, entry 0 must add one of them (else the ledger's own first key is trusted).
    public init(trustedKeys: [NoteVerifier], rules: any EntryRules) {
        self.trustedKeys = trustedKeys
        self.rules = rules
    }

    /// Every key the ledger's key entries have added so far (checkpoint signers when no key is pinned).
    public var keysEverAdded: [NoteVerifier] { keys.everAdded }

    /// The key entry 0 added: the ledger's root of trust.
    public var firstKey: NoteVerifier? { keys.genesis }

    /// Checks `entry` (read as entry number `seq`, leaf hash `leafHash`) against the entries
    /// admitted before it, then admits it. `indexKeys` are its keys by `rules` (or why the rules
    /// refuse its fields); `earlier` answers the rules' questions about entries before `seq`.
    /// `violation`, when given, stands in for `rules.violation(of:seq:keys:earlier:)`: a reader
    /// that has already decoded the body for its own use checks the rules on that decoding.
    /// Returns the problems found and the key its signature must verify under (nil when its
    /// signer may not sign at this point).
    public mutating func admit(_ entry: LedgerEntry, seq: Int, leafHash: TreeHash, indexKeys: Result<[IndexKey], EntryError>,
                               earlier: any EarlierEntries,
                               violation: ((_ keys: [IndexKey]) throws -> Message?)? = nil) -> (problems: [Problem], signedBy: NoteVerifier?) {
        var problems = [Problem]()
        func fail(_ check: VerificationReport.Check, _ message: Message) { problems.append(Problem(check: check, seq: seq, message: message)) }
        defer {
            expectedSeq = seq &+ 1
            prev = leafHash
        }
        problems += contiguity(seq)
        if entry.seq != seq { fail(.seqContiguity, Message("row {seq} holds an entry that says seq {stated}", ["seq": .text("\(seq)"), "stated": .text("\(entry.seq)")])) }
        if entry.prev != prev { fail(.prevChain, Message("prev is {prev}, but the previous entry's leaf hash is {leaf}", ["prev": .text("\(entry.prev)"), "leaf": .text("\(prev)")])) }
        let body = entry.body
        if case .failure(let error) = indexKeys { fail(.domainRules, error.message) }
        if let time = LedgerTime.parse(entry.recordedAt) {
            if time < lastTime { fail(.timestamps, Message("recorded_at {recorded_at} is earlier than the previous entry's", ["recorded_at": .text("\(entry.recordedAt)")])) }
            lastTime = max(lastTime, time)
        }
        // Entry 0's key must be one the reader trusts, when they gave keys.
        if seq == 0, !trustedKeys.isEmpty, let record = try? KeyRecord(body),
           !trustedKeys.contains(where: { $0.vkey == record.vkey }) {
            problems.append(Problem(check: .signerKey, seq: seq, message: Message("the ledger's first key {vkey} is not among the trusted keys",
                                                                                  ["vkey": .text(record.vkey)]), isKeyMismatch: true))
        }
        let verifier = seq == 0 ? nil : keys.verifier(for: entry.signer)
        if let reason = keys.admit(seq: seq, body: body, signer: entry.signer) {
            fail(body.type == KeyRecord.entryType || verifier == nil ? .signerKey : .domainRules, reason)
        }
        if case .success(let computedKeys) = indexKeys, body.type != KeyRecord.entryType {
            do {
                let reason: Message?
                if let violation {
                    reason = try violation(computedKeys)
                } else {
                    reason = try rules.violation(of: body, seq: seq, keys: computedKeys, earlier: earlier)
                }
                if let reason { fail(.domainRules, reason) }
            } catch {
                fail(.domainRules, Message("checking the rules: {error}", ["error": .message(.describing(error))]))
            }
        }
        return (problems, seq == 0 ? keys.verifier(for: entry.signer) : verifier)
    }

    /// A stored entry that could not be read still takes its place in the chain.
    public mutating func skip(seq: Int, leafHash: TreeHash) -> [Problem] {
        defer {
            // Wrapping: a hostile stored seq of Int64.max must be reported, not trap.
            expectedSeq = seq &+ 1
            prev = leafHash
        }
        return contiguity(seq)
    }

    private func contiguity(_ seq: Int) -> [Problem] {
        guard seq != expectedSeq else { return [] }
        return [Problem(check: .seqContiguity, seq: min(seq, expectedSeq),
                        message: seq == expectedSeq + 1 ? Message("entry {seq} is missing", ["seq": .text(String(expectedSeq))])
                            : seq > expectedSeq ? Message("entries {first} to {last} are missing", ["first": .text(String(expectedSeq)), "last": .text(String(seq - 1))])
                            : Message("seq {seq} repeats or goes back", ["seq": .text(String(seq))]))]
    }

    /// The entry's index keys by `rules` (the function appends and `verify` use).
    public static func indexKeys(of body: EntryBody, rules: any EntryRules) -> Result<[IndexKey], EntryError> {
        do { return .success(try Ledger.indexKeys(of: body, rules: rules)) } catch let error as EntryError {
            return .failure(error)
        } catch {
            return .failure(.invalidField(field: "type", reason: .describing(error)))
        }
    }

    /// The keys a body's rules gave (`EntryRules.validate`), as `indexKeys(of:rules:)` returns
    /// them: each checked as a stored string, sorted, without repeats.
    public static func indexKeys(validated keys: [IndexKey]) -> Result<[IndexKey], EntryError> {
        do { return .success(try Ledger.storedIndexKeys(keys)) } catch let error as EntryError {
            return .failure(error)
        } catch {
            return .failure(.invalidField(field: "type", reason: .describing(error)))
        }
    }
}
