import Foundation
import LedgerStore
import Localization
import Logging
import MerkleLog
import NIOCore
import PostgresNIO
import Provenance

/// Follows one cooperative's log: each `round` reads its latest signed checkpoint, fetches the
/// entries it has not stored yet, verifies them with the ledger's own chain and rule checks
/// (`EntryChain`, `ProvenanceRules`) and every signature, stores them in PostgreSQL one bundle per
/// transaction, and checks that the entries give the checkpoint's signed root.
///
/// What it decides:
/// - a checkpoint smaller than one verified before (rollback), one of the same size with another
///   root (equivocation), or entries that chain onto the stored history but do not give the
///   signed root (fork), and a signed, correctly chained entry that breaks the ledger rules, halt
///   the cooperative for good: both signed checkpoints are kept in `evidence`;
/// - anything a faulty server or network could cause (down, slow, truncated or wrong tiles, bad
///   signatures, a note not signed by the key) is an error of this round: nothing of the bundle is
///   stored, `last_error` says why, and the next round tries again.
///
/// Exactly once: entries are keyed by (cooperative, seq), and each bundle's transaction moves
/// `tree_size` from the value it was read at, so a crash, a restart of PostgreSQL or a second
/// aggregator never stores an entry twice or skips one; the next round resumes at `tree_size`.
final class CooperativeFollower: @unchecked Sendable {
    let cooperative: ProvinceConfig.Cooperative
    let id: Int
    let store: ProvinceStore
    let source: any TileSource
    let witness: ProvinceWitness?
    let logger: Logger

    /// Rebuilt from the database when nil (first round, or after any error).
    private var state: State?

    struct State {
        var chain: EntryChain
        var known: KnownEntries
        var checkpointSize: Int
        var checkpointRoot: TreeHash?
        var checkpointNote: String?
        var halted: Bool
        /// A halt's reason as stored, in English and Vietnamese (nil: not halted, or halted before
        /// the Vietnamese was kept).
        var haltReason: (english: String, vietnamese: String)?
    }

    init(cooperative: ProvinceConfig.Cooperative, id: Int, store: ProvinceStore, source: any TileSource, witness: ProvinceWitness?, logger: Logger) {
        self.cooperative = cooperative
        self.id = id
        self.store = store
        self.source = source
        self.witness = witness
        self.logger = logger
    }

    /// One round; never throws: failures are recorded on the cooperative's row (when the database can be reached).
    func round() async -> RoundOutcome {
        do {
            let outcome = try await ingest()
            if case .halted = outcome { return outcome }
            // Best effort: the outcome stands even if this bookkeeping cannot be written.
            await bookkeep("""
                UPDATE cooperatives SET last_error = NULL, last_error_code = NULL, last_error_vi = NULL, last_success_at = now() WHERE id = \(id)
                """)
            return outcome
        } catch {
            state = nil
            let message = ProvinceStore.describe(error)
            let vietnamese = ProvinceStore.describe(error, in: Self.vietnamese)
            let code = Self.code(of: error)
            logger.warning("cooperative \(cooperative.name): \(message)")
            // With the database down this fails too; the log line above still reports it.
            await bookkeep("""
                UPDATE cooperatives SET last_error = \(message), last_error_code = \(code), last_error_vi = \(vietnamese), last_error_at = now()
                WHERE id = \(id)
                """)
            return .failed(ProvinceStore.message(of: error))
        }
    }

    /// `/status` gives the last error in both languages; rendered once, when it happens.
    static let vietnamese = (try? Localizer.bundled(.vietnamese)) ?? .english

    /// The last error's kind for machines (`last_error_code`): a fetch's own code, or where else it failed.
    static func code(of error: any Error) -> String {
        switch error {
        case let error as FetchError: return error.code
        case is StoreConflict: return "store_conflict"
        case is ProvinceError, is PSQLError, is PostgresTransactionError: return "database"
        default: return "internal"
        }
    }

    /// Longest a round waits for one bundle's transaction or its bookkeeping. A bundle's rows take
    /// well under a second; with PostgreSQL gone mid-round a request could wait in the connection
    /// pool for ever (seen in the restart test: a round that never ended), so the round gives up
    /// and fails instead. A transaction given up on that still commits is harmless: `tree_size`
    /// only moves from the value read, and the next round reloads its state from the database.
    static let databaseLimit: Duration = .seconds(60)

    private func bookkeep(_ statement: PostgresQuery) async {
        let client = store.client, logger = self.logger
        _ = try? await Deadline.run(atMost: Self.databaseLimit, ProvinceError.unavailable(Message("no answer from the database"))) {
            try await client.query(statement, logger: logger)
        }
    }

    private func ingest() async throws -> RoundOutcome {
        if self.state == nil { self.state = try await load() }
        guard var state = self.state else { preconditionFailure("loaded above") }
        if state.halted {
            guard let reason = state.haltReason else { return .halted(Message("halted earlier")) }
            return .halted(Message("halted earlier: {reason}", ["reason": .inLanguages(english: reason.english, vietnamese: reason.vietnamese)]))
        }

        let note = try await source.checkpoint()
        let checkpoint: Checkpoint
        do {
            (checkpoint, _) = try Checkpoint.open(note, origin: cooperative.origin, trusting: [cooperative.key])
        } catch {
            throw FetchError(Message("{url}/checkpoint is not a checkpoint signed by the cooperative's key: {reason}",
                                     ["url": .text(cooperative.baseURL), "reason": .message(.describing(error))]))
        }
        guard checkpoint.size <= Ledger.maxEntries else {
            throw FetchError(Message("the checkpoint's size {size} is larger than any ledger", ["size": .text(String(checkpoint.size))]))
        }

        if checkpoint.size < state.checkpointSize {
            return try await halt(.rollback, later: note,
                                  Message("rollback: the cooperative now signs {now} entries, after signing {before} before",
                                          ["now": .text(String(checkpoint.size)), "before": .text(String(state.checkpointSize))]))
        }
        let stored = state.known.count
        if checkpoint.size <= stored {
            let root = try state.known.root(size: checkpoint.size)
            guard root == checkpoint.root else {
                if checkpoint.size == state.checkpointSize {
                    return try await halt(.equivocation, later: note,
                                          Message("two checkpoints of size {size} with different roots ({earlier}, {later})",
                                                  ["size": .text(String(checkpoint.size)), "earlier": .text(state.checkpointRoot?.description ?? "?"),
                                                   "later": .text(checkpoint.root.description)]))
                }
                return try await halt(.fork, later: note,
                                      Message("fork: the checkpoint of size {size} signs root {signed}, the entries verified before give {computed}",
                                              ["size": .text(String(checkpoint.size)), "signed": .text(checkpoint.root.description),
                                               "computed": .text(root.description)]))
            }
            try await recordCheckpoint(checkpoint, note: note, state: &state)
            try await cosign(checkpoint, note: note, known: state.known)
            return .upToDate(size: stored)
        }

        // Fetch and store the missing entries, one bundle (one transaction) at a time.
        var next = stored
        while next < checkpoint.size {
            let index = next / EntryBundle.width
            let bundleStart = index * EntryBundle.width
            let width = min(EntryBundle.width, checkpoint.size - bundleStart)
            let bytes = try await source.entryBundle(index: index, width: width == EntryBundle.width ? nil : width)
            let entries = try EntryBundle.entries(in: bytes, count: width)
            var verified = [Verified]()
            var rejection: Rejection?
            for (offset, entryBytes) in entries.enumerated() where bundleStart + offset >= next {
                switch verify(entryBytes, seq: bundleStart + offset, state: &state) {
                case .success(let entry):
                    verified.append(entry)
                    // Later entries of the bundle may name this one (a lot its origin). Should
                    // storing fail, the round's error drops this state and the next round reloads it.
                    state.known.add(entry.entry, keys: entry.keys)
                case .failure(let reason):
                    rejection = reason
                }
                if rejection != nil { break }
            }
            if case .served(let message) = rejection { throw FetchError(message) }
            // The entries before a signed bad one are good and stored; the bad one is named in the evidence.
            try await insert(verified, from: next)
            next += verified.count
            self.state = state
            switch rejection {
            case .forked(let message): return try await halt(.fork, later: note, message)
            case .signed(let message): return try await halt(.invalidEntry, later: note, message)
            case .served, nil: break
            }
        }
        let root = try state.known.root(size: checkpoint.size)
        guard root == checkpoint.root else {
            return try await halt(.fork, later: note,
                                  Message("fork: the checkpoint of size {size} signs root {signed}, but the signed entries chained onto the history verified before give {computed}",
                                          ["size": .text(String(checkpoint.size)), "signed": .text(checkpoint.root.description),
                                           "computed": .text(root.description)]))
        }
        try await recordCheckpoint(checkpoint, note: note, state: &state)
        try await cosign(checkpoint, note: note, known: state.known)
        logger.info("cooperative \(cooperative.name): entries \(stored)..<\(checkpoint.size) verified and stored")
        return .ingested(from: stored, to: checkpoint.size)
    }

    /// A class: passed along from verification to storage, a struct this size was copied member
    /// by member (about 3 % of the aggregator's CPU during ingest).
    final class Verified: Sendable {
        let entry: LedgerEntry
        let record: ProvenanceRecord
        let keys: [IndexKey]

        init(entry: LedgerEntry, record: ProvenanceRecord, keys: [IndexKey]) {
            self.entry = entry
            self.record = record
            self.keys = keys
        }
    }

    enum Rejection: Error {
        /// Could be the server's or the network's doing: retried.
        case served(Message)
        /// The cooperative signed an entry at this seq whose prev is not the entry it signed
        /// before: two histories under one key.
        case forked(Message)
        /// The cooperative signed it and it chains onto the verified history, but breaks the rules.
        case signed(Message)
    }

    /// The ledger's own checks, in the order `ledger verify` runs them, plus the signature.
    private func verify(_ bytes: [UInt8], seq: Int, state: inout State) -> Result<Verified, Rejection> {
        let entry: LedgerEntry
        do { entry = try LedgerEntry(canonicalBytes: bytes) } catch {
            return .failure(.served(Message("entry #{seq} as served is not a valid entry: {reason}",
                                            ["seq": .text(String(seq)), "reason": .message(.describing(error))])))
        }
        var chain = state.chain
        let (problems, signer, decoded) = Self.admit(entry, seq: seq, to: &chain, known: state.known)
        guard let signer, entry.hasValidSignature(by: signer) else {
            let unsigned = Message("entry #{seq} as served does not carry a valid signature of an active cooperative key", ["seq": .text(String(seq))])
            return .failure(.served(problems.reduce(unsigned) { Message("{first}; {then}", ["first": .message($0), "then": .message($1.message)]) }))
        }
        // A signed entry in the wrong place may be a server's mix-up; one at the right place that
        // names another previous entry is the cooperative's second history.
        if let misplaced = problems.first(where: { $0.check == .seqContiguity }) {
            return .failure(.served(Message("entry #{seq} as served: {reason}", ["seq": .text(String(seq)), "reason": .message(misplaced.message)])))
        }
        if let forked = problems.first(where: { $0.check == .prevChain }) {
            return .failure(.forked(Message("fork: the cooperative signed entry #{seq} on another history: {reason}; entry: {entry}",
                                            ["seq": .text(String(seq)), "reason": .message(forked.message),
                                             "entry": .text(String(decoding: bytes, as: UTF8.self))])))
        }
        if let first = problems.first {
            let reasons = problems.dropFirst().reduce(first.message) { Message("{first}; {then}", ["first": .message($0), "then": .message($1.message)]) }
            return .failure(.signed(Message("the cooperative signed entry #{seq}, which breaks the ledger rules: {reasons}; entry: {entry}",
                                            ["seq": .text(String(seq)), "reasons": .message(reasons),
                                             "entry": .text(String(decoding: bytes, as: UTF8.self))])))
        }
        state.chain = chain
        guard case .success(let (record, indexKeys)) = decoded else { preconditionFailure("rule failures are problems") }
        return .success(Verified(entry: entry, record: record, keys: indexKeys))
    }

    /// `EntryChain.admit` of one entry with its body decoded once: the rules, the index keys and
    /// the rows stored all read that one `ProvenanceRecord` (each decoded it again before).
    static func admit(_ entry: LedgerEntry, seq: Int, to chain: inout EntryChain, known: KnownEntries)
        -> (problems: [EntryChain.Problem], signer: NoteVerifier?, decoded: Result<(ProvenanceRecord, [IndexKey]), EntryError>) {
        let decoded: Result<(ProvenanceRecord, [IndexKey]), EntryError>
        do {
            let record = try ProvenanceRecord(entry.body)
            decoded = EntryChain.indexKeys(validated: record.indexKeys).map { (record, $0) }
        } catch let error as EntryError {
            decoded = .failure(error)
        } catch {
            decoded = .failure(.invalidField(field: "type", reason: .describing(error)))
        }
        let rules = ProvenanceRules()
        let (problems, signer) = chain.admit(entry, seq: seq, leafHash: entry.leafHash, indexKeys: decoded.map(\.1), earlier: known) { _ in
            guard case .success(let (record, _)) = decoded else { preconditionFailure("admit checks the rules of a decoded body only") }
            return try rules.violation(of: record, seq: seq, earlier: known)
        }
        return (problems, signer, decoded)
    }

    /// One transaction: the entries, their index keys and domain rows, and `tree_size` moved from
    /// `from` (if another writer moved it, nothing is stored and the round starts over).
    private func insert(_ entries: [Verified], from: Int) async throws {
        guard !entries.isEmpty else { return }
        let id = self.id
        let logger = self.logger
        let store = self.store
        try await Deadline.run(atMost: Self.databaseLimit,
                               ProvinceError.unavailable(Message("the database did not store a bundle within {seconds} s",
                                                                 ["seconds": .integer(Int(Self.databaseLimit.components.seconds))]))) {
            try await store.transaction { connection in try await Self.write(entries, from: from, id: id, connection: connection, logger: logger) }
        }
    }

    private static func write(_ entries: [Verified], from: Int, id: Int, connection: PostgresConnection, logger: Logger) async throws {
        let moved = try await connection.query("""
            UPDATE cooperatives SET tree_size = \(from + entries.count) WHERE id = \(id) AND tree_size = \(from) RETURNING id
            """, logger: logger)
        var rows = 0
        for try await _ in moved.decode(Int.self) { rows += 1 }
        guard rows == 1 else { throw StoreConflict(description: "the stored size of \(id) moved under this round; starting over") }

        let seqs = entries.map { Int64($0.entry.seq) }
        let types = entries.map { $0.entry.type }
        let times = entries.map { $0.entry.recordedAt }
        let leaves = entries.map { ByteBuffer(bytes: $0.entry.leafHash.bytes) }
        let bodies = entries.map { ByteBuffer(bytes: $0.entry.canonicalBytes) }
        try await connection.query("""
            INSERT INTO entries (cooperative_id, seq, type, recorded_at, leaf_hash, body)
            SELECT \(id), s, t, r::timestamptz, l, b
            FROM unnest(\(seqs)::bigint[], \(types)::text[], \(times)::text[], \(leaves)::bytea[], \(bodies)::bytea[]) AS u(s, t, r, l, b)
            """, logger: logger)
        var keySeqs = [Int64](), names = [String](), values = [String]()
        for item in entries {
            for key in item.keys {
                keySeqs.append(Int64(item.entry.seq))
                names.append(key.name)
                values.append(key.value)
            }
        }
        if !keySeqs.isEmpty {
            try await connection.query("""
                INSERT INTO entry_keys (cooperative_id, seq, name, value)
                SELECT \(id), s, n, v FROM unnest(\(keySeqs)::bigint[], \(names)::text[], \(values)::text[]) AS u(s, n, v)
                """, logger: logger)
        }
        // The domain rows too go in one statement per table and bundle: one INSERT per entry
        // made ingest wait on a database round trip for most entries.
        var origins = (seqs: [Int64](), codes: [String](), farms: [String](), crops: [String]())
        var lots = (seqs: [Int64](), codes: [String](), origins: [String](), gtins: [String](), hasGTIN: [Bool](),
                    dates: [String](), cooperatives: [String]())
        var gradings = (seqs: [Int64](), lots: [String](), times: [String](), grades: [String](), held: [Bool]())
        for item in entries {
            let seq = Int64(item.entry.seq)
            switch item.record {
            case .origin(let origin):
                origins.seqs.append(seq)
                origins.codes.append(origin.originCode)
                origins.farms.append(origin.farmID)
                origins.crops.append(origin.crop)
            case .lot(let lot):
                lots.seqs.append(seq)
                lots.codes.append(lot.lotCode)
                lots.origins.append(lot.originCode)
                // postgres-nio encodes no arrays of optionals: a flag says which GTINs are NULL.
                lots.gtins.append(lot.gtin ?? "")
                lots.hasGTIN.append(lot.gtin != nil)
                lots.dates.append(lot.harvestDate)
                lots.cooperatives.append(lot.cooperative)
            case .grading(let grading):
                gradings.seqs.append(seq)
                gradings.lots.append(grading.lotCode)
                gradings.times.append(item.entry.recordedAt)
                gradings.grades.append(grading.lotGrade)
                gradings.held.append(grading.held)
            case .correction, .key:
                break
            }
        }
        if !origins.seqs.isEmpty {
            try await connection.query("""
                INSERT INTO origins (cooperative_id, origin_code, seq, farm_id, crop)
                SELECT \(id), c, s, f, r
                FROM unnest(\(origins.codes)::text[], \(origins.seqs)::bigint[], \(origins.farms)::text[], \(origins.crops)::text[]) AS u(c, s, f, r)
                """, logger: logger)
        }
        if !lots.seqs.isEmpty {
            try await connection.query("""
                INSERT INTO lots (cooperative_id, lot_code, seq, origin_code, gtin, harvest_date, cooperative)
                SELECT \(id), c, s, o, CASE WHEN h THEN g END, d::date, p
                FROM unnest(\(lots.codes)::text[], \(lots.seqs)::bigint[], \(lots.origins)::text[], \(lots.gtins)::text[],
                            \(lots.hasGTIN)::boolean[], \(lots.dates)::text[], \(lots.cooperatives)::text[]) AS u(c, s, o, g, h, d, p)
                """, logger: logger)
        }
        if !gradings.seqs.isEmpty {
            try await connection.query("""
                INSERT INTO gradings (cooperative_id, seq, lot_code, recorded_at, lot_grade, held)
                SELECT \(id), s, l, t::timestamptz, g, h
                FROM unnest(\(gradings.seqs)::bigint[], \(gradings.lots)::text[], \(gradings.times)::text[], \(gradings.grades)::text[],
                            \(gradings.held)::boolean[]) AS u(s, l, t, g, h)
                """, logger: logger)
        }
    }

    private func recordCheckpoint(_ checkpoint: Checkpoint, note: String, state: inout State) async throws {
        guard checkpoint.size > state.checkpointSize || state.checkpointNote == nil else { return }
        let id = self.id
        let logger = self.logger
        let root = ByteBuffer(bytes: checkpoint.root.bytes)
        let size = Int64(checkpoint.size)
        try await store.transaction { connection in
            try await connection.query("""
                INSERT INTO checkpoints (cooperative_id, tree_size, root, note) VALUES (\(id), \(size), \(root), \(note))
                ON CONFLICT (cooperative_id, tree_size) DO NOTHING
                """, logger: logger)
            try await connection.query("""
                UPDATE cooperatives SET checkpoint_size = \(size), checkpoint_root = \(root), checkpoint_note = \(note)
                WHERE id = \(id) AND checkpoint_size <= \(size)
                """, logger: logger)
        }
        state.checkpointSize = checkpoint.size
        state.checkpointRoot = checkpoint.root
        state.checkpointNote = note
        self.state = state
    }

    /// With a witness key: the verified checkpoint cosigned (C2SP tlog-witness) and kept beside it.
    /// A refusal fails the round (the entries stay stored; the next round asks again).
    private func cosign(_ checkpoint: Checkpoint, note: String, known: KnownEntries) async throws {
        guard let witness else { return }
        guard let cosigned = try await witness.cosign(note: note, size: checkpoint.size, origin: cooperative.origin, known: known) else { return }
        let size = Int64(checkpoint.size)
        defer { store.writes.advance() }
        try await store.client.query("""
            UPDATE checkpoints SET cosigned_note = \(cosigned) WHERE cooperative_id = \(id) AND tree_size = \(size)
            """, logger: logger)
    }

    enum EvidenceKind: String {
        case rollback, equivocation, fork
        case invalidEntry = "invalid_entry"
    }

    /// Stops following: the cooperative's status becomes `halted` with the reason, and both signed
    /// checkpoints (the last verified one and the conflicting one) are kept.
    /// The reason is kept in English and in Vietnamese, rendered once, like the last error.
    private func halt(_ kind: EvidenceKind, later: String, _ message: Message) async throws -> RoundOutcome {
        let id = self.id
        let logger = self.logger
        let earlier = state?.checkpointNote
        let reason = Localizer.english.render(message), vietnamese = Self.vietnamese.render(message)
        try await store.transaction { connection in
            try await connection.query("""
                INSERT INTO evidence (cooperative_id, kind, earlier_note, later_note, detail, detail_vi)
                VALUES (\(id), \(kind.rawValue), \(earlier), \(later), \(reason), \(vietnamese))
                """, logger: logger)
            try await connection.query("""
                UPDATE cooperatives SET status = 'halted', halt_reason = \(reason), halt_reason_vi = \(vietnamese),
                    last_error = NULL, last_error_code = NULL, last_error_vi = NULL WHERE id = \(id)
                """, logger: logger)
        }
        state?.halted = true
        state?.haltReason = (reason, vietnamese)
        logger.error("cooperative \(cooperative.name) HALTED: \(reason)")
        return .halted(message)
    }

    /// The follower's state from the database: the stored entries replayed through the chain
    /// checks (they were verified when stored; the replay rebuilds keys, rules' lookups and the tree).
    private func load() async throws -> State {
        let rows = try await store.client.query("""
            SELECT tree_size, checkpoint_size, checkpoint_root, checkpoint_note, status, halt_reason, halt_reason_vi FROM cooperatives WHERE id = \(id)
            """, logger: logger)
        var row: (Int, Int, ByteBuffer?, String?, String, String?, String?)?
        for try await values in rows.decode((Int, Int, ByteBuffer?, String?, String, String?, String?).self) { row = values }
        guard let (treeSize, checkpointSize, rootBytes, note, status, haltReason, haltReasonVietnamese) = row else {
            throw StoreConflict(description: "cooperative \(cooperative.name) is not in the database")
        }
        var state = State(chain: EntryChain(trustedKeys: [cooperative.key], rules: ProvenanceRules()), known: KnownEntries(),
                          checkpointSize: checkpointSize,
                          checkpointRoot: rootBytes.flatMap { TreeHash(bytes: Array(buffer: $0)) }, checkpointNote: note,
                          halted: status == "halted", haltReason: haltReason.map { ($0, haltReasonVietnamese ?? $0) })
        let entries = try await store.client.query(
            "SELECT seq, body FROM entries WHERE cooperative_id = \(id) AND seq < \(treeSize) ORDER BY seq", logger: logger)
        for try await (seq, body) in entries.decode((Int, ByteBuffer).self) {
            let entry = try LedgerEntry(canonicalBytes: Array(buffer: body))
            let (problems, _, decoded) = Self.admit(entry, seq: seq, to: &state.chain, known: state.known)
            guard problems.isEmpty, case .success(let (_, indexKeys)) = decoded else {
                throw StoreConflict(description: "stored entry #\(seq) of \(cooperative.name) no longer verifies: \(problems)")
            }
            state.known.add(entry, keys: indexKeys)
        }
        guard state.known.count == treeSize else {
            throw StoreConflict(description: "cooperative \(cooperative.name): \(state.known.count) entries stored, \(treeSize) recorded")
        }
        return state
    }
}

struct StoreConflict: Error, CustomStringConvertible {
    let description: String
}
