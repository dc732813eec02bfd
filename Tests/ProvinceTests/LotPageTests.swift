import Foundation
import LedgerStore
import Province
import PublicServer
import Testing
import TestSupport
import Traceability

/// The province's lot pages: a browser asking for a lot gets the buyer's page, verified in the
/// browser against the cooperative's configured key with the proof from the cooperative's server.
@Suite struct ProvinceLotPageTests {
    static let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    @Test func aBrowserVerifiesTheProvincesLotPageAgainstTheCooperativesOwnServer() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 81)
        defer { a.directory.remove() }
        let b = try CooperativeLedger(name: "HTX-B", number: 82)
        defer { b.directory.remove() }
        try a.addLots(1, prefix: "S")
        try b.addLots(1, prefix: "S")   // the same lot code S-L0 in two cooperatives
        // `ledger checkpoint`'s work: the checkpoint and each lot's signed statement, from which servers build proof bundles.
        for coop in [a, b] { _ = try LotStatements.signCheckpoint(ledger: coop.ledger, signer: coop.signer) }
        let servers = try await [a, b].asyncMap { try await InProcessServer(ledgerPath: $0.path) }
        defer { servers.forEach { $0.stop() } }
        let cooperatives = [try ProvinceConfig.Cooperative(name: a.name, baseURL: servers[0].baseURL, key: a.signer.verifier),
                            try ProvinceConfig.Cooperative(name: b.name, baseURL: servers[1].baseURL, key: b.signer.verifier)]
        let sources = [a.name: LedgerTileSource(path: a.path), b.name: LedgerTileSource(path: b.path)]
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: try ProvinceConfig(cooperatives: cooperatives), store: store,
                                                      logger: ProvinceTest.logger) { sources[$0.name]! }
                await aggregator.runOnce()
                let site = ProvinceSite(store: store, cooperatives: cooperatives,
                                        gradeNames: ["Premium": ["vi": "Hạng đặc biệt", "en": "Premium"]])

                // Programs still get JSON; a browser gets a page, first choosing among the cooperatives.
                #expect(await site.reply(method: "GET", path: "/lot/S-L0", query: nil).contentType.hasPrefix("application/json"))
                let choice = await site.reply(method: "GET", path: "/lot/S-L0", query: "lang=en", accept: Self.html)
                #expect(choice.status == 200 && choice.contentType.hasPrefix("text/html"), "\(choice.body)")
                #expect(choice.body.contains("href=\"?cooperative=HTX-A&amp;lang=en\"") && choice.body.contains(">HTX-B</a>"), "\(choice.body)")
                #expect(choice.contentSecurityPolicy?.contains("script-src 'none'") == true)
                let page = await site.reply(method: "GET", path: "/01/09506000134352/10/S-L0", query: "cooperative=HTX-A", accept: Self.html)
                #expect(page.status == 200 && page.body.contains("\(servers[0].baseURL)/lot/S-L0/proof"), "\(page.body)")
                // The page may fetch from the cooperative's server and nowhere else.
                #expect(page.contentSecurityPolicy?.contains("connect-src \(servers[0].baseURL);") == true, "\(page.contentSecurityPolicy ?? "none")")
                // In the page's language, and switching language keeps the cooperative chosen.
                let vietnamese = await site.reply(method: "GET", path: "/lot/S-L0", query: "cooperative=HTX-A&lang=vi", accept: Self.html)
                #expect(vietnamese.body.contains("Hạng đặc biệt") && vietnamese.body.contains("href=\"?cooperative=HTX-A&amp;lang=en\""),
                        "\(vietnamese.body)")
                #expect(vietnamese.body.contains("bản sao của tỉnh"))
                // An unknown cooperative name gets the choice; a cooperative no longer configured is not offered.
                let misspelt = await site.reply(method: "GET", path: "/lot/S-L0", query: "cooperative=%3Cb%3EHTX", accept: Self.html)
                #expect(misspelt.status == 200 && misspelt.body.contains(">HTX-A</a>") && misspelt.body.contains(">HTX-B</a>"), "\(misspelt.body)")
                let onlyA = ProvinceSite(store: store, cooperatives: [cooperatives[0]])
                let direct = await onlyA.reply(method: "GET", path: "/lot/S-L0", query: nil, accept: Self.html)
                #expect(direct.body.contains("\(servers[0].baseURL)/lot/S-L0/proof") && !direct.body.contains("HTX-B"), "\(direct.body)")
                let unknown = await site.reply(method: "GET", path: "/lot/NOPE", query: nil, accept: Self.html)
                #expect(unknown.status == 404 && unknown.contentType.hasPrefix("text/html"))
                // The JSON API's refusals say what is wrong in English (`error`) and Vietnamese (`error_vi`).
                let refusals: [(String, String?, Int, String, String)] = [
                    ("/events", "GE_eventTime=yesterday", 400, "is not an RFC 3339 date-time", "không phải ngày giờ RFC 3339"),
                    ("/events", "EQ_bizStep=a&EQ_bizStep=b", 400, "is given twice", "được cho hai lần"),
                    ("/lot/..", nil, 400, "may not be '.' or '..'", "không được là '.' hay '..'"),
                    ("/lot/A%20B", nil, 400, "is not a lot code", "không phải mã lô"),
                    ("/lot/NOPE", nil, 404, "no cooperative has recorded lot NOPE", "chưa hợp tác xã nào ghi lô NOPE"),
                    ("/nowhere", nil, 404, "nothing is at this address", "không có gì ở địa chỉ này"),
                ]
                for (path, query, status, english, vietnamese) in refusals {
                    let reply = await site.reply(method: "GET", path: path, query: query)
                    let json = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: String]
                    #expect(reply.status == status && json?["error"]?.contains(english) == true && json?["error_vi"]?.contains(vietnamese) == true,
                            "\(path): \(reply.status) \(reply.body)")
                }

                // In a real browser: verified against HTX-A's key; a province configured with another key says NOT VERIFIED.
                let misconfigured = ProvinceSite(store: store, cooperatives: [
                    try ProvinceConfig.Cooperative(name: a.name, baseURL: servers[0].baseURL, key: b.signer.verifier)],
                                                 gradeNames: ["Premium": ["vi": "Hạng đặc biệt", "en": "Premium"]])
                for (site, expected) in [(site, "verified"), (misconfigured, "not-verified")] {
                    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
                    let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: ProvinceTest.logger) { continuation.yield($0) } }
                    defer { server.cancel() }
                    var iterator = stream.makeAsyncIterator()
                    let port = try #require(await iterator.next())
                    let url = "http://127.0.0.1:\(port)/lot/S-L0?cooperative=HTX-A&lang=vi"
                    let dom = try await chromiumOffThePool(["--virtual-time-budget=15000", "--dump-dom", url], in: a.directory.url)
                    let verdict = dom.firstMatch(of: /id="verdict" data-verdict="([a-z-]+)"/).map { String($0.1) }
                    #expect(verdict == expected, "\(expected): \(dom.suffix(1500))")
                    #expect(dom.contains("<html lang=\"vi\""))
                    // The grade in the page's language whatever the verdict (the browser rewrites the heading).
                    #expect(dom.contains("Hạng đặc biệt") && !dom.contains("Hạng: Premium"), "\(expected)")
                    let shot = a.directory.url.appendingPathComponent("province-lot-\(expected).png").path
                    _ = try await chromiumOffThePool(["--virtual-time-budget=15000", "--window-size=360,1400", "--screenshot=\(shot)", url],
                                                     in: a.directory.url)
                    if let keep = ProcessInfo.processInfo.environment["AGRITRACE_SCREENSHOTS"] {
                        try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                        try? FileManager.default.removeItem(atPath: keep + "/province-lot-\(expected).png")
                        try? FileManager.default.copyItem(atPath: shot, toPath: keep + "/province-lot-\(expected).png")
                    }
                }
            }
        }
    }
}

/// Chromium on a thread of its own: the pages it loads are served by this test process, whose
/// handlers need Swift's cooperative threads.
func chromiumOffThePool(_ arguments: [String], in directory: URL) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try Chromium.run(arguments, in: directory) }) }
    }
}
