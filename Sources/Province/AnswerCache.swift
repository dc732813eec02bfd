import Foundation
import PublicServer

/// Counts the writes this process has committed to the database (entries, checkpoints,
/// cosignatures, halts), and those another process made (`AnswerCache.watch`): an answer
/// computed before a write is not served after it.
final class WriteGeneration: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0

    var current: UInt64 { lock.withLock { value } }

    func advance() { lock.withLock { value &+= 1 } }
}

/// Province-wide JSON answers (lots, GTIN + lot, origins, EPCIS events) kept in memory: reading
/// a lot's rows from PostgreSQL and its entries from their bytes again for every request cost
/// most of an answer's time. At most `maxBytes` are kept (least recently used answers go first).
///
/// An answer is served again only while the store's `WriteGeneration` is the one read before its
/// queries ran, so nothing this process stored since is missing from it. Another process writing
/// to the same database (a second aggregator, a replica's primary) moves no generation by itself:
/// at most every `recheck`, one request reads the database's `ProvinceStore.changeStamp()` and
/// moves the generation when it changed.
final class AnswerCache: @unchecked Sendable {
    struct Key: Hashable {
        let path: String
        let query: String?
    }

    /// Kept in its wire form, so the server writes it from the connection's event loop without
    /// building anything (`wire(for:generation:)`).
    private struct Kept {
        let wire: WireAnswer
        let generation: UInt64
    }

    static let defaultRecheck: Duration = .seconds(1)
    /// Bookkeeping per answer, added to its size.
    static let overheadBytes = 256

    let recheck: Duration
    private let lock = NSLock()
    private var answers: ByteBoundedCache<Key, Kept>
    private var lastCheck: ContinuousClock.Instant?
    private var stamp: [Int64]?

    init(maxBytes: Int, recheck: Duration = defaultRecheck) {
        self.recheck = recheck
        answers = ByteBoundedCache(maxBytes: maxBytes)
    }

    /// The answer kept for `key`, if computed at `generation`.
    func reply(for key: Key, generation: UInt64) -> ProvinceSite.Reply? {
        wire(for: key, generation: generation).map(ProvinceSite.Reply.init)
    }

    /// The answer kept for `key`, if computed at `generation`, as it goes onto the wire.
    func wire(for key: Key, generation: UInt64) -> WireAnswer? {
        lock.withLock {
            guard let kept = answers.value(for: key), kept.generation == generation else { return nil }
            return kept.wire
        }
    }

    /// Keeps `reply`, whose queries started with the store at `generation`.
    func keep(_ reply: ProvinceSite.Reply, for key: Key, generation: UInt64) {
        let cost = reply.body.utf8.count + key.path.utf8.count + (key.query?.utf8.count ?? 0) + Self.overheadBytes
        let wire = reply.wire
        lock.withLock { answers.insert(Kept(wire: wire, generation: generation), for: key, cost: cost) }
    }

    /// When `recheck` has passed since the last look, reads the database's change stamp and moves
    /// `store.writes` if another process changed it. A database that cannot say moves it too:
    /// nothing kept is served until the database answers again.
    func watch(_ store: ProvinceStore, now: ContinuousClock.Instant = .now) async {
        let due = lock.withLock {
            guard isDue(now) else { return false }
            lastCheck = now
            return true
        }
        guard due else { return }
        let seen = try? await store.changeStamp()
        let changed = lock.withLock {
            defer { if let seen { stamp = seen } }
            return seen == nil || (stamp != nil && stamp != seen)
        }
        if changed { store.writes.advance() }
    }

    /// Whether `watch` would read the change stamp at `now` (it does not read it): until it has, a
    /// kept answer may be older than the database.
    func watchDue(now: ContinuousClock.Instant = .now) -> Bool {
        lock.withLock { isDue(now) }
    }

    private func isDue(_ now: ContinuousClock.Instant) -> Bool {
        lastCheck.map { now - $0 >= recheck } ?? true
    }

    var usage: (answers: Int, bytes: Int) { lock.withLock { (answers.count, answers.byteCount) } }
}
