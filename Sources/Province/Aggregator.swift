import Foundation
import Localization
import Logging
import MerkleLog
import PostgresNIO

/// `agritrace province`: follows every configured cooperative, one round after another.
public final class Aggregator: Sendable {
    public let config: ProvinceConfig
    public let store: ProvinceStore
    let followers: [CooperativeFollower]
    let logger: Logger
    /// With a witness key: cosigns every checkpoint it verifies.
    public let witness: ProvinceWitness?

    /// Registers the configured cooperatives in the database (a known name must keep its key:
    /// changing it would mix two logs under one name) and prepares a follower for each. With
    /// `witnessKey` (a cosignature/v1 key) every checkpoint it verifies is also cosigned.
    public init(config: ProvinceConfig, store: ProvinceStore, logger: Logger = Logger(label: "province"), witnessKey: NoteSigner? = nil,
                source: @Sendable (ProvinceConfig.Cooperative) -> any TileSource = { HTTPTileSource(baseURL: $0.baseURL) }) async throws {
        self.config = config
        self.store = store
        self.logger = logger
        let witness = try witnessKey.map { try ProvinceWitness(signer: $0, cooperatives: config.cooperatives, store: store) }
        self.witness = witness
        var followers = [CooperativeFollower]()
        for cooperative in config.cooperatives {
            let id = try await Self.register(cooperative, store: store, logger: logger)
            followers.append(CooperativeFollower(cooperative: cooperative, id: id, store: store, source: source(cooperative), witness: witness, logger: logger))
        }
        self.followers = followers
    }

    private static func register(_ cooperative: ProvinceConfig.Cooperative, store: ProvinceStore, logger: Logger) async throws -> Int {
        try await store.client.query("""
            INSERT INTO cooperatives (name, base_url, vkey) VALUES (\(cooperative.name), \(cooperative.baseURL), \(cooperative.key.vkey))
            ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        let rows = try await store.client.query("SELECT id, vkey FROM cooperatives WHERE name = \(cooperative.name)", logger: logger)
        var found: (id: Int, vkey: String)?
        for try await (id, vkey) in rows.decode((Int, String).self) { found = (id, vkey) }
        guard let (id, vkey) = found else { throw ProvinceError.schema(Message("cooperative {name} could not be registered", ["name": .text(cooperative.name)])) }
        if vkey != cooperative.key.vkey { try await rekey(cooperative, id: id, from: vkey, store: store, logger: logger) }
        try await store.client.query("UPDATE cooperatives SET base_url = \(cooperative.baseURL) WHERE id = \(id)", logger: logger)
        return id
    }

    /// A key in the configuration that differs from the stored one is taken only while nothing
    /// was ever verified under the stored key (no entry, no checkpoint, no evidence): that was a
    /// wrong key, now corrected. After that a cooperative's key does not change (a new key is a
    /// key entry in its ledger): another key would mix two logs under one name, so it is refused.
    private static func rekey(_ cooperative: ProvinceConfig.Cooperative, id: Int, from stored: String, store: ProvinceStore, logger: Logger) async throws {
        let new = cooperative.key.vkey
        let changed = try await store.client.query("""
            UPDATE cooperatives SET vkey = \(new), last_error = NULL, last_error_code = NULL, last_error_vi = NULL
            WHERE id = \(id) AND vkey = \(stored) AND tree_size = 0 AND checkpoint_size = 0 AND checkpoint_note IS NULL
              AND NOT EXISTS (SELECT 1 FROM checkpoints WHERE cooperative_id = \(id))
              AND NOT EXISTS (SELECT 1 FROM evidence WHERE cooperative_id = \(id))
            RETURNING id
            """, logger: logger)
        var rows = 0
        for try await _ in changed.decode(Int.self) { rows += 1 }
        if rows == 1 {
            logger.notice("cooperative \(cooperative.name): key \(stored) replaced by \(new) from the configuration (nothing was verified under the old key)")
            return
        }
        let counted = try await store.client.query("SELECT tree_size FROM cooperatives WHERE id = \(id)", logger: logger)
        var entries = 0
        for try await size in counted.decode(Int.self) { entries = size }
        throw KeyChangeRefused(name: cooperative.name, stored: stored, configured: new, entries: entries)
    }

    /// One round over every cooperative, `concurrency` at a time; returns each one's outcome by name.
    @discardableResult
    public func runOnce(concurrency: Int = 8) async -> [String: RoundOutcome] {
        do { try await store.ping() } catch {
            let message = Message("the database cannot be reached: {reason}", ["reason": .message(ProvinceStore.message(of: error))])
            logger.warning("round skipped: \(Localizer.english.render(message))")
            return Dictionary(uniqueKeysWithValues: followers.map { ($0.cooperative.name, RoundOutcome.failed(message)) })
        }
        let results = await withTaskGroup(of: (String, RoundOutcome).self) { group in
            var results = [String: RoundOutcome]()
            var waiting = followers.makeIterator()
            for _ in 0..<max(1, concurrency) {
                guard let follower = waiting.next() else { break }
                group.addTask {
                    let outcome = await follower.round()
                    return (follower.cooperative.name, outcome)
                }
            }
            while let (name, outcome) = await group.next() {
                results[name] = outcome
                if let follower = waiting.next() {
                    group.addTask {
                        let outcome = await follower.round()
                        return (follower.cooperative.name, outcome)
                    }
                }
            }
            return results
        }
        // Only after a round that reached the database and stored something: with PostgreSQL down,
        // a query waits in the connection pool (about a minute) before it fails.
        if results.values.contains(where: \.hasStored) { await analyseIfGrown() }
        return results
    }

    /// Tables whose planner statistics `analyseIfGrown` refreshes: those the queries read that grow with the entries.
    static let analysedTables = ["entries", "entry_keys", "origins", "lots", "gradings"]
    /// Entries stored beyond the planner's count of them before `analyseIfGrown` refreshes the statistics.
    static let analyseMinimumGrowth = 1_000

    /// After a round that stored many entries, ANALYZE the tables. Without statistics PostgreSQL
    /// plans the queries of a freshly filled database blind (seconds per lot lookup at 100,000
    /// entries) until autovacuum gets to it, a minute or more later. The planner's own row count
    /// of `entries` (`pg_class.reltuples`, -1 before any ANALYZE or VACUUM) tells how far behind
    /// the statistics are, whoever refreshed them last (this process, another, or autovacuum).
    /// Best effort: a failure is logged and the next round tries again.
    func analyseIfGrown() async {
        do {
            let rows = try await store.client.query("""
                SELECT (SELECT coalesce(sum(tree_size), 0) FROM cooperatives)::bigint,
                       (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'entries'::regclass)::bigint
                """, logger: logger)
            var stored = 0, planned = 0
            for try await (count, estimate) in rows.decode((Int, Int).self) { (stored, planned) = (count, estimate) }
            guard stored - planned >= max(Self.analyseMinimumGrowth, planned / 5) else { return }
            try await store.client.query(PostgresQuery(unsafeSQL: "ANALYZE " + Self.analysedTables.joined(separator: ", ")), logger: logger)
            logger.info("planner statistics refreshed: \(stored) entries stored, the planner counted \(planned)")
        } catch {
            logger.warning("planner statistics not refreshed: \(ProvinceStore.describe(error))")
        }
    }

    /// Rounds every `interval` until cancelled.
    public func run(interval: Duration = .seconds(10), concurrency: Int = 8) async throws {
        while !Task.isCancelled {
            await runOnce(concurrency: concurrency)
            try await Task.sleep(for: interval)
        }
    }
}

/// What one round did for one cooperative.
public enum RoundOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Nothing new under its latest checkpoint (entries stored).
    case upToDate(size: Int)
    /// Entries `from..<to` verified and stored.
    case ingested(from: Int, to: Int)
    /// Halted: evidence of a rewritten history (now or in an earlier round). The reasons are
    /// messages, rendered in the reader's language.
    case halted(Message)
    /// This round failed (server down, slow, broken tiles, database unreachable); retried next round.
    case failed(Message)

    /// Whether this round stored entries.
    var hasStored: Bool {
        if case .ingested = self { return true }
        return false
    }

    public var needsAttention: Bool {
        switch self {
        case .halted, .failed: return true
        case .upToDate, .ingested: return false
        }
    }

    public var description: String {
        switch self {
        case .upToDate(let size): return "up to date (\(size) entries)"
        case let .ingested(from, to): return "entries \(from)..<\(to) verified and stored"
        case .halted(let reason): return "HALTED: \(Localizer.english.render(reason))"
        case .failed(let message): return "failed this round: \(Localizer.english.render(message))"
        }
    }
}

/// The configuration gives a known cooperative another key after something was verified under
/// the stored one.
public struct KeyChangeRefused: LocalizableError, Equatable {
    public let name: String
    public let stored: String
    public let configured: String
    /// Entries verified under the stored key (0 when only a checkpoint or evidence was kept).
    public let entries: Int

    public var message: Message {
        Message("cooperative {name}: the configuration gives the key {configured}, but data was verified under its stored key {stored} ({count} entries and its signed checkpoints). A cooperative's key does not change: a new key is a key entry in its own ledger. If this is another ledger, give it another name.",
                ["name": .text(name), "configured": .text(configured), "stored": .text(stored), "count": .integer(entries)])
    }
}
