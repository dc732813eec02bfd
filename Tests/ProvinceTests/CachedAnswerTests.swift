import Foundation
import LedgerStore
@testable import Province
import ProvenanceTestSupport
import Testing
import TestSupport

/// Kept answers written by `CachedAnswerHandler` on the connection's event loop: the same bytes
/// the responder writes, never one older than the store, never instead of a browser's page, and
/// in request order among answers the responder writes.
@Suite struct CachedAnswerTests {
    static let events = "MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/S-L0"
    static let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    /// `body` gets a site whose kept answers are written on the event loop (its change stamp is
    /// read again only after an hour, so a kept answer stays a hit for the whole test) and one
    /// whose answers all go through the responder (its stamp is due at every request), both
    /// serving one cooperative with lots S-L0 and B-L0 ingested.
    func withSites(_ body: @escaping @Sendable (_ fast: ProvinceSite, _ slow: ProvinceSite, CooperativeLedger, Aggregator) async throws -> Void) async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 91)
        defer { a.directory.remove() }
        try a.addLots(1, prefix: "S")
        try a.addLots(1, prefix: "B")
        try a.checkpoint()
        let cooperative = try a.cooperative
        let config = try ProvinceConfig(cooperatives: [cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in LedgerTileSource(path: a.path) }
                await aggregator.runOnce()
                func site(recheck: Duration) -> ProvinceSite {
                    ProvinceSite(store: store, cooperatives: [cooperative], gradeNames: [:],
                                 answers: AnswerCache(maxBytes: ProvinceSite.defaultAnswerCacheBytes, recheck: recheck),
                                 now: { Date(timeIntervalSince1970: 1_800_000_000) })
                }
                try await body(site(recheck: .seconds(3600)), site(recheck: .zero), a, aggregator)
            }
        }
    }

    func serving(_ site: ProvinceSite, _ body: (Int) async throws -> Void) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: ProvinceTest.logger) { continuation.yield($0) } }
        defer { server.cancel() }
        var iterator = stream.makeAsyncIterator()
        try await body(try #require(await iterator.next()))
    }

    /// `requests` on one keep-alive connection: all but the last go without `Connection: close`,
    /// which `CachedAnswerHandler` leaves to the responder.
    func pipelined(_ requests: [(method: String, target: String)], port: Int, extraHeaders: [String] = []) async throws -> [HTTPProbe.Answer] {
        try await HTTPProbe.offPool { try HTTPProbe.pipelined(requests, port: port, extraHeaders: extraHeaders) }
    }

    func split(_ target: String) -> (path: String, query: String?) {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : nil)
    }

    @Test func aKeptAnswerOnTheEventLoopIsTheResponders() async throws {
        try await withSites { fast, slow, _, _ in
            try await serving(fast) { fastPort in
                try await serving(slow) { slowPort in
                    for target in ["/lot/S-L0", "/events?" + Self.events] {
                        let (path, query) = split(target)
                        for method in ["GET", "HEAD"] {
                            // The first request keeps the answer; the second is written by the handler on the fast server only.
                            let fastAnswers = try await pipelined([(method, target), (method, target), ("GET", "/status")], port: fastPort)
                            let slowAnswers = try await pipelined([(method, target), (method, target), ("GET", "/status")], port: slowPort)
                            #expect(fast.keptAnswer(method: method, path: path, query: query, accept: nil) != nil, "\(method) \(target)")
                            #expect(slow.keptAnswer(method: method, path: path, query: query, accept: nil) == nil, "\(method) \(target)")
                            for (fastAnswer, slowAnswer) in zip(fastAnswers.prefix(2), slowAnswers.prefix(2)) {
                                #expect(fastAnswer.status == 200 && fastAnswer.status == slowAnswer.status, "\(method) \(target)")
                                #expect(fastAnswer.headers.filter { $0.key != "date" } == slowAnswer.headers.filter { $0.key != "date" },
                                        "\(method) \(target)")
                                #expect(fastAnswer.body == slowAnswer.body, "\(method) \(target)")
                                #expect(fastAnswer.headers["date"] != nil && fastAnswer.headers["server"] == "agritrace-province")
                            }
                            #expect(fastAnswers[1].body.isEmpty == (method == "HEAD"), "\(method) \(target)")
                            #expect(fastAnswers[1].headers["content-length"] == fastAnswers[0].headers["content-length"])
                        }
                    }
                }
            }
        }
    }

    @Test func aKeptAnswerIsNotWrittenAfterAWrite() async throws {
        try await withSites { fast, _, a, aggregator in
            try await serving(fast) { port in
                let before = try await pipelined([("GET", "/lot/S-L0"), ("GET", "/status")], port: port)
                #expect(try Self.entryTypes(before[0]) == ["origin", "lot", "grading"])
                #expect(fast.keptAnswer(method: "GET", path: "/lot/S-L0", query: nil, accept: nil) != nil)

                _ = try a.ledger.append([ProvenanceFixture.grading("S-L0")], signer: a.signer)
                try a.checkpoint()
                await aggregator.runOnce()
                #expect(fast.keptAnswer(method: "GET", path: "/lot/S-L0", query: nil, accept: nil) == nil)
                let after = try await pipelined([("GET", "/lot/S-L0"), ("GET", "/lot/S-L0"), ("GET", "/status")], port: port)
                for answer in after.prefix(2) {
                    #expect(try Self.entryTypes(answer) == ["origin", "lot", "grading", "grading"])
                }
            }
        }
    }

    @Test func aBrowserGetsThePageOfALotWhoseJSONIsKept() async throws {
        try await withSites { fast, _, _, _ in
            try await serving(fast) { port in
                _ = try await pipelined([("GET", "/lot/S-L0"), ("GET", "/status")], port: port)
                #expect(fast.keptAnswer(method: "GET", path: "/lot/S-L0", query: nil, accept: nil) != nil)
                #expect(fast.keptAnswer(method: "GET", path: "/lot/S-L0", query: nil, accept: Self.html) == nil)
                let pages = try await pipelined([("GET", "/lot/S-L0"), ("HEAD", "/lot/S-L0"), ("GET", "/status")], port: port,
                                                extraHeaders: ["Accept: " + Self.html])
                for page in pages.prefix(2) {
                    #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true, "\(page.headers)")
                    #expect(page.headers["content-security-policy"] != nil)
                }
                #expect(pages[0].text.contains("<html"))
            }
        }
    }

    @Test func answersOnOneConnectionKeepRequestOrder() async throws {
        try await withSites { fast, _, _, _ in
            try await serving(fast) { port in
                let requests: [(method: String, target: String)] = [
                    ("GET", "/lot/S-L0"), ("GET", "/lot/B-L0"), ("GET", "/events?" + Self.events), ("HEAD", "/lot/S-L0"),
                    ("GET", "/status"), ("GET", "/lot/S-L0"), ("GET", "/origin/B-O0"), ("GET", "/lot/B-L0"), ("GET", "/lot/X-L0"),
                    ("GET", "/events?" + Self.events), ("GET", "/lot/X-L0"), ("GET", "/origin/B-O0"), ("GET", "/lot/S-L0"),
                ]
                // Once to keep the answers, then with most of them hits between misses.
                for round in 0..<2 {
                    let answers = try await pipelined(requests, port: port)
                    #expect(answers.count == requests.count)
                    for (request, answer) in zip(requests, answers) {
                        let (path, query) = split(request.target)
                        let expected = await fast.reply(method: request.method, path: path, query: query)
                        #expect(answer.status == expected.status, "round \(round): \(request.method) \(request.target)")
                        #expect(answer.text == (request.method == "HEAD" ? "" : expected.body), "round \(round): \(request.method) \(request.target)")
                    }
                }
                #expect(fast.keptAnswer(method: "GET", path: "/lot/X-L0", query: nil, accept: nil)?.head.status.code == 404)
            }
        }
    }

    static func entryTypes(_ answer: HTTPProbe.Answer) throws -> [String] {
        let object = try #require(JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        let cooperatives = try #require(object["cooperatives"] as? [[String: Any]])
        return cooperatives.flatMap { ($0["entries"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String } }
    }
}
