import Foundation
import LedgerStore

/// Answers the public site keeps in memory, each bounded in bytes: full tiles (immutable by the
/// tlog-tiles spec) and rendered lot pages. Every request first brings the caches up to the
/// ledger's `ChangeStamp` (`sync`):
/// - a changed schema (the append-only triggers dropped to edit rows) or a smaller ledger
///   empties both, so what the file holds now is served, and a tile client sees an edit;
/// - new entries drop the pages built from an entry sharing an index key with them (a lot's new
///   grading or correction names its lot; a correction of its origin names the origin).
/// A page or tile is stored only when it was read at the stamp the caches are at, so an answer
/// read before a change that has already been applied is never kept.
final class SiteCaches: @unchecked Sendable {
    struct PageKey: Hashable {
        let lotCode: String
        let language: PageLanguage
    }

    struct Page {
        let wire: WireAnswer
        let gtin: String?
        /// The index keys of the entries the page was built from.
        let keys: Set<IndexKey>
    }

    /// More new entries than this at once (an import while the server was idle) empty the page
    /// cache instead of reading all their keys.
    static let maxEntriesReplayed = 10_000
    /// Headers and bookkeeping per cached answer, added to its body's size.
    static let overheadBytes = 512

    private let lock = NSLock()
    private var stamp: Ledger.ChangeStamp?
    private var tiles: ByteBoundedCache<TilePath, WireAnswer>
    private var pages: ByteBoundedCache<PageKey, Page>

    init(tileBytes: Int, pageBytes: Int) {
        tiles = ByteBoundedCache(maxBytes: tileBytes)
        pages = ByteBoundedCache(maxBytes: pageBytes)
    }

    /// Brings the caches up to `ledger`'s stamp now; returns it.
    @discardableResult
    func sync(with ledger: Ledger) throws -> Ledger.ChangeStamp {
        // Nearly always the caches are at the stamp already: that is checked with the stamp read
        // outside the lock, so the event loops do not queue behind each other's SQLite reads.
        let seen = try ledger.changeStamp()
        lock.lock()
        defer { lock.unlock() }
        if seen == stamp { return seen }
        // A change is read again under the lock, so stamps are applied in the order they were
        // read: a request that read an older stamp cannot apply it after a newer one (it would
        // look like a rollback).
        let now = try ledger.changeStamp()
        guard let old = stamp, old != now else {
            stamp = now
            return now
        }
        if old.schemaVersion != now.schemaVersion || now.size < old.size {
            tiles.removeAll()
            pages.removeAll()
        } else if now.size - old.size > Self.maxEntriesReplayed {
            pages.removeAll()
        } else {
            let changed = Set(try ledger.indexKeys(seqs: old.size..<now.size).values.joined())
            pages.removeAll { _, page in !page.keys.isDisjoint(with: changed) }
        }
        stamp = now
        return now
    }

    func tile(_ path: TilePath) -> WireAnswer? {
        lock.lock()
        defer { lock.unlock() }
        return tiles.value(for: path)
    }

    /// Keeps a full tile read at `readAt`.
    func keepTile(_ answer: WireAnswer, for path: TilePath, readAt: Ledger.ChangeStamp) {
        lock.lock()
        defer { lock.unlock() }
        guard readAt.schemaVersion == stamp?.schemaVersion else { return }
        tiles.insert(answer, for: path, cost: answer.cost)
    }

    func page(_ key: PageKey) -> Page? {
        lock.lock()
        defer { lock.unlock() }
        return pages.value(for: key)
    }

    /// Keeps a page built from the ledger at `builtAt`.
    func keepPage(_ page: Page, for key: PageKey, builtAt: Ledger.ChangeStamp) {
        lock.lock()
        defer { lock.unlock() }
        guard builtAt == stamp else { return }
        pages.insert(page, for: key, cost: page.wire.cost)
    }

    var counts: (tiles: Int, pages: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (tiles.count, pages.count)
    }
}
