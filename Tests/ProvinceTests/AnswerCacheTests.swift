import Foundation
import LedgerStore
@testable import Province
import ProvenanceTestSupport
import Testing
import TestSupport

/// Answers kept in memory (`AnswerCache`): served again while nothing was stored, never after.
@Suite struct AnswerCacheTests {
    @Test func anAnswerKeptIsNotServedAfterAnIngest() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 81)
        defer { a.directory.remove() }
        try a.addLots(1, prefix: "S")
        try a.checkpoint()
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in LedgerTileSource(path: a.path) }
                await aggregator.runOnce()
                let site = ProvinceSite(store: store)
                let events = "MATCH_epcClass=https://id.gs1.org/01/09506000134352/10/S-L0"
                let lot = await site.reply(method: "GET", path: "/lot/S-L0", query: nil)
                let lotEvents = await site.reply(method: "GET", path: "/events", query: events)
                #expect(lot.status == 200 && lotEvents.status == 200)
                #expect(await site.reply(method: "GET", path: "/lot/T-L0", query: nil).status == 404)
                #expect(site.answers.usage.answers == 3)
                #expect(await site.reply(method: "GET", path: "/lot/S-L0", query: nil) == lot)

                // A second grading of S-L0 and a new lot T-L0, stored by the next round.
                _ = try a.ledger.append([ProvenanceFixture.grading("S-L0")], signer: a.signer)
                try a.addLots(1, prefix: "T")
                try a.checkpoint()
                #expect(await aggregator.runOnce()[a.name] == .ingested(from: 4, to: 8))

                let types = try Self.entryTypes(await site.reply(method: "GET", path: "/lot/S-L0", query: nil))
                #expect(types == ["origin", "lot", "grading", "grading"])
                let after = await site.reply(method: "GET", path: "/events", query: events)
                #expect(after.body.components(separatedBy: "\"ObjectEvent\"").count - 1 == 2, "\(after.body)")
                #expect(await site.reply(method: "GET", path: "/lot/T-L0", query: nil).status == 200)
            }
        }
    }

    static func entryTypes(_ reply: ProvinceSite.Reply) throws -> [String] {
        let object = try #require(JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        let cooperatives = try #require(object["cooperatives"] as? [[String: Any]])
        return cooperatives.flatMap { ($0["entries"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String } }
    }

    @Test func answersAreKeptWithinTheirByteLimit() {
        let cache = AnswerCache(maxBytes: 10_000, maxAge: .seconds(60))
        let now = ContinuousClock.now
        let body = String(repeating: "x", count: 1_000)
        for index in 0..<100 {
            cache.keep(ProvinceSite.Reply(status: 200, contentType: "application/json", body: body), for: .init(path: "/lot/L\(index)", query: nil),
                       generation: 0, computedAt: now)
            #expect(cache.usage.bytes <= 10_000)
        }
        #expect(cache.usage.answers == 7)   // 1,000 bytes of body, the path and 256 of overhead each
        #expect(cache.reply(for: .init(path: "/lot/L99", query: nil), generation: 0, now: now)?.body == body)
        #expect(cache.reply(for: .init(path: "/lot/L0", query: nil), generation: 0, now: now) == nil)
        // An answer larger than the whole cache is not kept.
        cache.keep(ProvinceSite.Reply(status: 200, contentType: "application/json", body: String(repeating: "y", count: 20_000)),
                   for: .init(path: "/lot/big", query: nil), generation: 0, computedAt: now)
        #expect(cache.reply(for: .init(path: "/lot/big", query: nil), generation: 0, now: now) == nil)
        #expect(cache.usage.bytes <= 10_000)
    }

    @Test func anAnswerOfAnotherGenerationOrTooOldIsNotServed() {
        let cache = AnswerCache(maxBytes: 10_000, maxAge: .seconds(5))
        let now = ContinuousClock.now
        let key = AnswerCache.Key(path: "/events", query: "EQ_bizStep=inspecting")
        cache.keep(ProvinceSite.Reply(status: 200, contentType: "application/ld+json", body: "{}"), for: key, generation: 3, computedAt: now)
        #expect(cache.reply(for: key, generation: 3, now: now + .seconds(4)) != nil)
        #expect(cache.reply(for: key, generation: 4, now: now) == nil)
        #expect(cache.reply(for: key, generation: 3, now: now + .seconds(5)) == nil)
        #expect(cache.reply(for: .init(path: "/events", query: nil), generation: 3, now: now) == nil)
    }
}
