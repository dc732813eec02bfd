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

    /// Another aggregator on the same database stores entries: the next look at the database's
    /// change stamp (every request here; at most every second by default) drops what was kept.
    @Test func aWriteByAnotherProcessIsSeen() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 82)
        defer { a.directory.remove() }
        try a.addLots(1, prefix: "S")
        try a.checkpoint()
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in LedgerTileSource(path: a.path) }
                await aggregator.runOnce()
                let site = ProvinceSite(store: store, cooperatives: [], gradeNames: [:], answers: AnswerCache(maxBytes: 1 << 20, recheck: .zero),
                                        now: Date.init)
                #expect(try Self.entryTypes(await site.reply(method: "GET", path: "/lot/S-L0", query: nil)) == ["origin", "lot", "grading"])
                #expect(try Self.entryTypes(await site.reply(method: "GET", path: "/lot/S-L0", query: nil)) == ["origin", "lot", "grading"])

                _ = try a.ledger.append([ProvenanceFixture.grading("S-L0")], signer: a.signer)
                try a.checkpoint()
                try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { other in
                    let second = try await Aggregator(config: config, store: other, logger: ProvinceTest.logger) { _ in LedgerTileSource(path: a.path) }
                    #expect(await second.runOnce()[a.name] == .ingested(from: 4, to: 5))
                }
                #expect(try Self.entryTypes(await site.reply(method: "GET", path: "/lot/S-L0", query: nil)) == ["origin", "lot", "grading", "grading"])
            }
        }
    }

    @Test func answersAreKeptWithinTheirByteLimit() {
        let cache = AnswerCache(maxBytes: 10_000)
        let body = String(repeating: "x", count: 1_000)
        for index in 0..<100 {
            cache.keep(ProvinceSite.Reply(status: 200, contentType: "application/json", body: body), for: .init(path: "/lot/L\(index)", query: nil),
                       generation: 0)
            #expect(cache.usage.bytes <= 10_000)
        }
        #expect(cache.usage.answers == 7)   // 1,000 bytes of body, the path and 256 of overhead each
        #expect(cache.reply(for: .init(path: "/lot/L99", query: nil), generation: 0)?.body == body)
        #expect(cache.reply(for: .init(path: "/lot/L0", query: nil), generation: 0) == nil)
        // An answer larger than the whole cache is not kept.
        cache.keep(ProvinceSite.Reply(status: 200, contentType: "application/json", body: String(repeating: "y", count: 20_000)),
                   for: .init(path: "/lot/big", query: nil), generation: 0)
        #expect(cache.reply(for: .init(path: "/lot/big", query: nil), generation: 0) == nil)
        #expect(cache.usage.bytes <= 10_000)
    }

    @Test func anAnswerOfAnotherGenerationIsNotServed() {
        let cache = AnswerCache(maxBytes: 10_000)
        let key = AnswerCache.Key(path: "/events", query: "EQ_bizStep=inspecting")
        cache.keep(ProvinceSite.Reply(status: 200, contentType: "application/ld+json", body: "{}"), for: key, generation: 3)
        #expect(cache.reply(for: key, generation: 3) != nil)
        #expect(cache.reply(for: key, generation: 4) == nil)
        #expect(cache.reply(for: .init(path: "/events", query: nil), generation: 3) == nil)
    }
}
