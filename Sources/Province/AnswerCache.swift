import Foundation
import PublicServer

/// Counts the writes this process has committed to the database (entries, checkpoints,
/// cosignatures, halts): an answer computed before a write is not served after it.
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
/// to the same database moves no generation here: for that, answers are also kept at most `maxAge`.
final class AnswerCache: @unchecked Sendable {
    struct Key: Hashable {
        let path: String
        let query: String?
    }

    private struct Kept {
        let reply: ProvinceSite.Reply
        let generation: UInt64
        let computedAt: ContinuousClock.Instant
    }

    static let defaultMaxAge: Duration = .seconds(5)
    /// Bookkeeping per answer, added to its size.
    static let overheadBytes = 256

    let maxAge: Duration
    private let lock = NSLock()
    private var answers: ByteBoundedCache<Key, Kept>

    init(maxBytes: Int, maxAge: Duration = defaultMaxAge) {
        self.maxAge = maxAge
        answers = ByteBoundedCache(maxBytes: maxBytes)
    }

    /// The answer kept for `key`, if computed at `generation` less than `maxAge` before `now`.
    func reply(for key: Key, generation: UInt64, now: ContinuousClock.Instant) -> ProvinceSite.Reply? {
        lock.withLock {
            guard let kept = answers.value(for: key), kept.generation == generation, now - kept.computedAt < maxAge else { return nil }
            return kept.reply
        }
    }

    /// Keeps `reply`, whose queries started at `computedAt` with the store at `generation`.
    func keep(_ reply: ProvinceSite.Reply, for key: Key, generation: UInt64, computedAt: ContinuousClock.Instant) {
        let cost = reply.body.utf8.count + key.path.utf8.count + (key.query?.utf8.count ?? 0) + Self.overheadBytes
        lock.withLock { answers.insert(Kept(reply: reply, generation: generation, computedAt: computedAt), for: key, cost: cost) }
    }

    var usage: (answers: Int, bytes: Int) { lock.withLock { (answers.count, answers.byteCount) } }
}
