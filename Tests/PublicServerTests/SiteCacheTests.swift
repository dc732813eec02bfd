import Foundation
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
@testable import PublicServer
import Testing
import TestSupport

/// The public site's in-memory caches: a page or tile is served from memory only while the
/// ledger still says what it said when it was read.
@Suite struct SiteCacheTests {
    /// Origin VN-TG-001 with lots LOT-1 and LOT-2 (GTIN 09506000134352), graded; `extraOrigins` more entries.
    struct Site {
        let fixture: ProvenanceFixture
        let site: PublicSite
        let appended: [LedgerEntry]

        init(extraOrigins: Int = 0, pageCacheBytes: Int = PublicSite.defaultPageCacheBytes) throws {
            let fixture = try ProvenanceFixture()
            self.fixture = fixture
            do {
                appended = try fixture.ledger.append([ProvenanceFixture.origin("VN-TG-001"),
                                                      ProvenanceFixture.lot("LOT-1", origin: "VN-TG-001"), ProvenanceFixture.grading("LOT-1"),
                                                      ProvenanceFixture.lot("LOT-2", origin: "VN-TG-001"), ProvenanceFixture.grading("LOT-2")]
                                                     + (0..<extraOrigins).map { ProvenanceFixture.origin("VN-X-\($0)") },
                                                     signer: fixture.signer).appended
                site = try PublicSite(readers: LedgerReaders(path: fixture.path), trust: nil, pageCacheBytes: pageCacheBytes)
            } catch {
                fixture.remove()
                throw error
            }
        }

        func get(_ path: String, query: String? = "lang=en") -> Reply {
            site.reply(method: "GET", path: path, query: query, acceptLanguage: nil, bodyBytes: nil)
        }

        /// The page at `target` (a path, or path?query; English unless the query says).
        func text(_ target: String) -> String {
            let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
            return String(decoding: get(parts[0], query: parts.count > 1 ? parts[1] : "lang=en").body, as: UTF8.self)
        }

        func correct(_ entry: LedgerEntry, lot: String?, origin: String?, _ changes: [String: JSONValue]) throws {
            try fixture.ledger.append([.correction(CorrectionRecord(corrects: entry.seq, correctsLeafHash: entry.leafHash.hex, reason: "test",
                                                                    lotCode: lot, originCode: origin, changes: changes))], signer: fixture.signer)
        }
    }

    @Test func aChangedLotNeverKeepsItsOldPage() throws {
        let s = try Site()
        defer { s.fixture.remove() }
        let (origin, grading1) = (s.appended[0], s.appended[2])
        #expect(s.text("/lot/LOT-1").contains("Grade: Premium") && s.text("/lot/LOT-2").contains("Grade: Premium"))
        #expect(s.text("/lot/LOT-1?lang=vi").contains("Hạng: Premium"))
        #expect(s.site.caches.counts.pages == 3, "the pages are kept")

        // Entries about other lots and origins leave the page in the cache.
        try s.fixture.ledger.append([ProvenanceFixture.origin("VN-TG-002"), ProvenanceFixture.lot("LOT-3", origin: "VN-TG-002")],
                                    signer: s.fixture.signer)
        #expect(s.text("/lot/LOT-1").contains("Grade: Premium"))
        #expect(s.site.caches.counts.pages == 3)

        // A correction of LOT-1's grading: its page says the new grade at once, LOT-2's stays.
        try s.correct(grading1, lot: "LOT-1", origin: nil, ["lot_grade": .string("Reject")])
        #expect(s.text("/lot/LOT-1").contains("Grade: Reject"))
        #expect(s.text("/lot/LOT-2").contains("Grade: Premium"))
        #expect(s.text("/lot/LOT-1?lang=vi").contains("Hạng: Reject"), "each language's page")

        // A correction of the origin both lots name: both pages show the new farm name.
        try s.correct(origin, lot: nil, origin: "VN-TG-001", ["farm_name": .string("Trang trại Mới")])
        #expect(s.text("/lot/LOT-1").contains("Trang trại Mới") && s.text("/lot/LOT-2").contains("Trang trại Mới"))

        // A new grading of LOT-2 replaces its grade, also at the Digital Link path.
        #expect(s.text("/01/09506000134352/10/LOT-2").contains("Grade: Premium"))
        let hex = String(repeating: "ab", count: 32)
        try s.fixture.ledger.append([.grading(GradingRecord(lotCode: "LOT-2", model: hex, policy: hex, uploadDigest: nil,
                                                            images: [], lotGrade: "Grade II", distribution: [:], needsReview: 0))],
                                    signer: s.fixture.signer)
        #expect(s.text("/01/09506000134352/10/LOT-2").contains("Grade: Grade II"))
        #expect(s.get("/01/09506000134351/10/LOT-2").status == 404, "a cached page still checks the GTIN of the path")
    }

    @Test func aLotRecordedAfterItsPageWasAskedForIsFound() throws {
        let s = try Site()
        defer { s.fixture.remove() }
        #expect(s.get("/lot/LOT-9").status == 404)
        try s.fixture.ledger.append([ProvenanceFixture.lot("LOT-9", origin: "VN-TG-001"), ProvenanceFixture.grading("LOT-9")], signer: s.fixture.signer)
        #expect(s.get("/lot/LOT-9").status == 200)
    }

    /// Rows edited in the file (triggers dropped, the row changed, triggers put back): tiles and
    /// pages are read again, so a tile client sees the edit and the page shows what the file says.
    @Test func anEditedLedgerIsServedAsItIsNow() throws {
        let s = try Site(extraOrigins: 300)
        defer { s.fixture.remove() }
        let honest = s.get("/tile/0/000", query: nil), bundle = s.get("/tile/entries/000", query: nil)
        #expect(honest.status == 200 && honest.body.count == 256 * 32 && bundle.status == 200)
        #expect(s.get("/tile/0/000", query: nil).body == honest.body && s.site.caches.counts.tiles == 2)
        #expect(s.text("/lot/LOT-1").contains("Grade: Premium"))

        try SQLiteShell.editKeepingTriggers(s.fixture.path, """
            UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 7;
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '"lot_grade":"Premium"', '"lot_grade":"Reject"') AS BLOB) WHERE seq = 3;
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'Nông trại', 'Nông trai') AS BLOB) WHERE seq = 100;
            """)
        let edited = s.get("/tile/0/000", query: nil)
        #expect(edited.body != honest.body && Array(edited.body[7 * 32..<8 * 32]) == [UInt8](repeating: 0, count: 32))
        #expect(s.get("/tile/entries/000", query: nil).body != bundle.body)
        #expect(s.text("/lot/LOT-1").contains("Grade: Reject"))
    }

    /// What the server answers from the connection's thread (`cachedAnswer`) is only ever what the
    /// responder would answer now: nothing before a first answer, the same bytes after it, and
    /// nothing (so the responder reads again) once a change touches it.
    @Test func cachedAnswersAreTheRespondersAndNeverStale() throws {
        let s = try Site(extraOrigins: 300)
        defer { s.fixture.remove() }
        func cached(_ path: String, _ query: String? = "lang=en", method: String = "GET") -> Reply? {
            s.site.cachedAnswer(method: method, path: path, query: query, acceptLanguage: nil).map(Reply.init)
        }
        #expect(cached("/tile/0/000", nil) == nil && cached("/lot/LOT-1") == nil, "nothing is cached before it is asked for")
        let tile = s.get("/tile/0/000", query: nil), page = s.get("/lot/LOT-1")
        let cachedTile = try #require(cached("/tile/0/000", nil)), cachedPage = try #require(cached("/lot/LOT-1"))
        #expect(cachedTile.body == tile.body && cachedTile.status == 200 && cachedPage.body == page.body)
        #expect(cachedTile.headers.map { "\($0.0)=\($0.1)" } == tile.headers.map { "\($0.0)=\($0.1)" } && cachedTile.cacheControl == tile.cacheControl)
        let head = try #require(cached("/tile/0/000", nil, method: "HEAD"))
        #expect(head.body.isEmpty && head.headers.contains { $0.0.lowercased() == "content-length" && $0.1 == "8192" })
        #expect(cached("/lot/LOT-1", "lang=vi") == nil, "each language is its own page")
        #expect(cached("/01/09506000134351/10/LOT-1") == nil, "a Digital Link with another GTIN is not the cached page")
        #expect(cached("/01/09506000134352/10/LOT-1")?.body == page.body)
        #expect(cached("/tile/0/001.p/5", nil) == nil && cached("/lot/LOT-1/proof") == nil && cached("/tile/0/000", nil, method: "POST") == nil)
        #expect(s.get("/tile/0/001.p/5", query: nil).status == 200 && cached("/tile/0/001.p/5", nil) == nil, "partial tiles change: never kept")

        // A new grading of LOT-1: its page is no longer answered from the cache, then the new one is.
        let hex = String(repeating: "ab", count: 32)
        try s.fixture.ledger.append([.grading(GradingRecord(lotCode: "LOT-1", model: hex, policy: hex, uploadDigest: nil,
                                                            images: [], lotGrade: "Grade II", distribution: [:], needsReview: 0))],
                                    signer: s.fixture.signer)
        #expect(cached("/lot/LOT-1") == nil)
        #expect(s.text("/lot/LOT-1").contains("Grade: Grade II"))
        #expect(cached("/lot/LOT-1").map { String(decoding: $0.body, as: UTF8.self).contains("Grade: Grade II") } == true)
        #expect(cached("/tile/0/000", nil)?.body == tile.body, "an append leaves full tiles")

        // An edited row: neither the old tile nor the old page is answered.
        try SQLiteShell.editKeepingTriggers(s.fixture.path, "UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 7;")
        #expect(cached("/tile/0/000", nil) == nil && cached("/lot/LOT-1") == nil)
        #expect(Array(s.get("/tile/0/000", query: nil).body[7 * 32..<8 * 32]) == [UInt8](repeating: 0, count: 32))
        #expect(cached("/tile/0/000", nil).map { Array($0.body[7 * 32..<8 * 32]) } == [UInt8](repeating: 0, count: 32))
    }

    /// Every plain-text error answer speaks the visitor's language first (Accept-Language or
    /// ?lang), then the other one, for tools that ask for none.
    @Test func errorAnswersAreInTheVisitorsLanguageThenTheOther() throws {
        let s = try Site()
        defer { s.fixture.remove() }
        let requests: [(method: String, path: String, query: String?, bodyBytes: Int?, status: Int)] = [
            ("DELETE", "/lot/LOT-1", nil, nil, 405), ("GET", "/lot/LOT-1", nil, 10, 413), ("GET", "/" + String(repeating: "a", count: 3000), nil, nil, 414),
            ("GET", "/lot/%zz", nil, nil, 400), ("GET", "/lot/..", nil, nil, 400), ("GET", "/tile/0/1", nil, nil, 400),
            ("GET", "/lot/" + String(repeating: "A", count: 21), nil, nil, 400), ("GET", "/checkpoint", nil, nil, 404),
            ("GET", "/tile/0/000", nil, nil, 404), ("GET", "/tile/entries/000.p/9", nil, nil, 404), ("GET", "/lot/LOT-1/proof", nil, nil, 404)]
        for request in requests {
            var firstLines: [PageLanguage: String] = [:]
            for (language, header) in [(PageLanguage.vi, "vi-VN,vi;q=0.9"), (.en, "en-US,en;q=0.9")] {
                let reply = s.site.reply(method: request.method, path: request.path, query: request.query, acceptLanguage: header, bodyBytes: request.bodyBytes)
                let lines = String(decoding: reply.body, as: UTF8.self).split(separator: "\n").map(String.init)
                #expect(reply.status == request.status && reply.contentType.hasPrefix("text/plain") && lines.count == 2,
                        "\(request.method) \(request.path.prefix(40)) (\(language)): \(reply.status) \(lines)")
                firstLines[language] = lines.first
            }
            let vi = firstLines[.vi] ?? "", en = firstLines[.en] ?? ""
            #expect(vi != en && !vi.isEmpty && !en.isEmpty, "\(request.path.prefix(40)): vi '\(vi)' en '\(en)'")
            let both = String(decoding: s.site.reply(method: request.method, path: request.path, query: "lang=vi", acceptLanguage: "en",
                                                     bodyBytes: request.bodyBytes).body, as: UTF8.self)
            #expect(both == vi + "\n" + en + "\n", "?lang=vi wins over Accept-Language, and the English follows: \(both)")
        }
    }

    @Test func theCachesStayWithinTheirByteBounds() throws {
        let s = try Site(pageCacheBytes: 30_000)
        defer { s.fixture.remove() }
        try s.fixture.ledger.append((0..<10).flatMap { [ProvenanceFixture.lot("B-\($0)", origin: "VN-TG-001"), ProvenanceFixture.grading("B-\($0)")] },
                                    signer: s.fixture.signer)
        let page = s.get("/lot/B-0")
        #expect(page.status == 200 && page.body.count > 5_000)
        for index in 0..<10 { #expect(s.get("/lot/B-\(index)").status == 200) }
        let kept = s.site.caches.counts.pages
        #expect(kept >= 1 && kept <= 30_000 / (page.body.count + SiteCaches.overheadBytes), "\(kept) pages kept")
        #expect(s.text("/lot/B-3").contains("Lot B-3"), "evicted pages are built again")
    }

    /// A page read before the caches moved on (an append in between) is served but not kept:
    /// keeping it could hide the change the caches have already applied.
    @Test func aPageReadAtAnOlderStampIsNotKept() throws {
        let s = try Site()
        defer { s.fixture.remove() }
        let caches = SiteCaches(tileBytes: 1 << 20, pageBytes: 1 << 20)
        let ledger = s.fixture.ledger
        let before = try caches.sync(with: ledger)
        try s.correct(s.appended[2], lot: "LOT-1", origin: nil, ["lot_grade": .string("Reject")])
        let after = try caches.sync(with: ledger)
        #expect(after.size == before.size + 1 && after.schemaVersion == before.schemaVersion)
        let page = SiteCaches.Page(wire: WireAnswer(Reply(status: 200, contentType: "text/plain", body: Array("old".utf8), cacheControl: "no-store"), method: "GET"), gtin: nil, keys: [IndexKey(IndexKeyName.lotCode, "LOT-1")])
        let key = SiteCaches.PageKey(lotCode: "LOT-1", language: .en)
        caches.keepPage(page, for: key, builtAt: before)
        #expect(caches.page(key) == nil)
        caches.keepPage(page, for: key, builtAt: after)
        #expect(caches.page(key) != nil)
        try s.fixture.ledger.append([ProvenanceFixture.grading("LOT-1")], signer: s.fixture.signer)
        try caches.sync(with: ledger)
        #expect(caches.page(key) == nil, "a new grading of the lot drops it")
    }

    /// Requests read the ledger's stamp outside the caches' lock while entries are appended: an
    /// older stamp must never be applied after a newer one (it would look like a rollback and empty
    /// the tile cache), so a kept full tile stays a hit throughout.
    @Test func requestsDuringAppendsNeverTakeTheLedgerForRolledBack() throws {
        let s = try Site(extraOrigins: 300)
        defer { s.fixture.remove() }
        #expect(s.get("/tile/0/000", query: nil).status == 200 && s.site.caches.counts.tiles == 1)
        final class Tally: @unchecked Sendable {
            private let lock = NSLock()
            private var stop = false, hits = 0, misses = 0
            var stopped: Bool { lock.withLock { stop } }
            func end() { lock.withLock { stop = true } }
            func count(hit: Bool) { lock.withLock { if hit { hits += 1 } else { misses += 1 } } }
            var counts: (hits: Int, misses: Int) { lock.withLock { (hits, misses) } }
            var requests: Int { lock.withLock { hits + misses } }
        }
        let tally = Tally(), site = s.site, group = DispatchGroup(), started = DispatchSemaphore(value: 0)
        // Threads of their own: spinning on dispatch's shared pool (as wide as the cores) kept a
        // third reader, and other tests' work, from ever starting on a 2-core machine.
        for _ in 0..<3 {
            group.enter()
            Thread {
                started.signal()
                while !tally.stopped {
                    tally.count(hit: site.cachedAnswer(method: "GET", path: "/tile/0/000", query: nil, acceptLanguage: nil) != nil)
                }
                group.leave()
            }.start()
        }
        for _ in 0..<3 { started.wait() }
        for index in 0..<40 {
            try s.fixture.ledger.append([ProvenanceFixture.origin("VN-R-\(index)")], signer: s.fixture.signer)
            // Requests between every two appends however loaded the machine (on a busy one the
            // readers once ran only after the last append, and the test checked nothing).
            let before = tally.requests, giveUp = Date().addingTimeInterval(10)
            while tally.requests < before + 3 && Date() < giveUp { usleep(200) }
        }
        tally.end()
        group.wait()
        let counts = tally.counts
        #expect(counts.hits > 0 && counts.misses == 0, "\(counts.hits) hits, \(counts.misses) misses")
        #expect(try site.caches.sync(with: s.fixture.ledger).size == s.fixture.ledger.size() && site.caches.counts.tiles == 1)
    }
}

@Suite struct ByteBoundedCacheTests {
    @Test func keepsWithinItsBoundAndGivesRecentlyReadEntriesASecondChance() {
        var cache = ByteBoundedCache<Int, String>(maxBytes: 35)
        for key in 0..<3 { cache.insert("v\(key)", for: key, cost: 10) }
        #expect(cache.count == 3 && cache.byteCount == 30)
        _ = cache.value(for: 0)
        cache.insert("v3", for: 3, cost: 10)   // evicts 1: 0 was read since
        #expect(cache.byteCount <= 35 && cache.value(for: 0) == "v0" && cache.value(for: 1) == nil && cache.value(for: 3) == "v3")
        cache.insert("big", for: 9, cost: 36)
        #expect(cache.value(for: 9) == nil, "larger than the whole cache: not kept")
        cache.insert("v0 again", for: 0, cost: 25)
        #expect(cache.value(for: 0) == "v0 again" && cache.byteCount <= 35)
        for key in 10..<200 { cache.insert("v\(key)", for: key, cost: key % 7 + 1); #expect(cache.byteCount <= 35) }
        cache.removeAll { key, _ in key % 2 == 0 }
        for key in 10..<200 where key % 2 == 0 { #expect(cache.value(for: key) == nil) }
        cache.removeAll()
        #expect(cache.count == 0 && cache.byteCount == 0)
    }
}
