import Foundation
import LedgerStore
import Localization
import Provenance
@testable import Province
import PublicServer
import Testing
import TestSupport

/// Following cooperatives into a real PostgreSQL cluster.
@Suite struct IngestTests {
    /// Two cooperatives over HTTP from `agritrace serve`'s own server: every entry stored once,
    /// a second round stores nothing, and new entries under a new checkpoint are picked up.
    @Test func followsTwoCooperativesOverHTTP() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 11)
        defer { a.directory.remove() }
        let b = try CooperativeLedger(name: "HTX-B", number: 12)
        defer { b.directory.remove() }
        try a.addLots(100, prefix: "A")     // 301 entries: a full bundle and a partial one
        try a.checkpoint()
        try b.addLots(2, prefix: "B")
        try b.checkpoint()
        let servers = try await [a, b].asyncMap { try await InProcessServer(ledgerPath: $0.path) }
        defer { servers.forEach { $0.stop() } }
        let config = try ProvinceConfig(cooperatives: [
            ProvinceConfig.Cooperative(name: a.name, baseURL: servers[0].baseURL, key: a.signer.verifier),
            ProvinceConfig.Cooperative(name: b.name, baseURL: servers[1].baseURL, key: b.signer.verifier),
        ])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger)
                var outcomes = await aggregator.runOnce()
                #expect(outcomes == ["HTX-A": .ingested(from: 0, to: 301), "HTX-B": .ingested(from: 0, to: 7)])
                outcomes = await aggregator.runOnce()
                #expect(outcomes == ["HTX-A": .upToDate(size: 301), "HTX-B": .upToDate(size: 7)])

                try a.addLots(1, prefix: "A2")
                try a.checkpoint()
                outcomes = await aggregator.runOnce()
                #expect(outcomes["HTX-A"] == .ingested(from: 301, to: 304))
            }
            try expectStored(database, cooperative: "HTX-A", ledger: a)
            try expectStored(database, cooperative: "HTX-B", ledger: b)
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM lots") == 103)
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM origins") == 103)
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM gradings") == 103)
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM checkpoints") == 3)
        }
    }

    /// A restarted aggregator (a new process: no memory of the last one) resumes from the
    /// database and takes only what is new.
    @Test func aRestartedAggregatorResumesFromTheDatabase() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 21)
        defer { a.directory.remove() }
        try a.addLots(10, prefix: "A")
        try a.checkpoint()
        let source = LedgerTileSource(path: a.path)
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in source }
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 0, to: 31)])
            }
            try a.addLots(10, prefix: "A2")
            try a.checkpoint()
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in source }
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 31, to: 61)])
            }
            try expectStored(database, cooperative: "HTX-A", ledger: a)
        }
    }

    /// A round that stored many entries refreshes the planner's statistics of the tables the
    /// queries read (a freshly filled database was planned blind until autovacuum came); a round
    /// that stored a few does not.
    @Test func aBigRoundAnalysesTheTablesASmallOneDoesNot() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 22)
        defer { a.directory.remove() }
        try a.addLots(400, prefix: "A")     // 1,201 entries
        try a.checkpoint()
        let source = LedgerTileSource(path: a.path)
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        let tables = Aggregator.analysedTables.map { "'\($0)'" }.joined(separator: ", ")
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in source }
                // Autovacuum off for these tables, so only the aggregator can have refreshed the statistics.
                for table in Aggregator.analysedTables { _ = try database.psql("ALTER TABLE \(table) SET (autovacuum_enabled = off)") }
                let analysed = "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN (\(tables)) AND analyze_count = 1"
                #expect(try ProvinceTest.count(database, "SELECT sum(analyze_count) FROM pg_stat_user_tables") == 0)
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 0, to: 1201)])
                #expect(try ProvinceTest.count(database, analysed) == Aggregator.analysedTables.count)
                #expect(try ProvinceTest.count(database, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'entries'") == 1201)

                try a.addLots(1, prefix: "A2")
                try a.checkpoint()
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 1201, to: 1204)])
                #expect(try ProvinceTest.count(database, analysed) == Aggregator.analysedTables.count)
            }
        }
    }

    /// The origins, lots and gradings rows say what the signed entries say, row for row, when a
    /// bundle mixes the three kinds, some lots have no GTIN and some gradings hold their lot (each
    /// bundle's rows go in one statement per table: a misaligned column would show here).
    @Test func domainRowsMatchTheEntries() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 23)
        defer { a.directory.remove() }
        let crops = ["mango", "durian", "pomelo"]
        var records = [ProvenanceRecord]()
        var expectedOrigins = [String](), expectedLots = [String](), expectedGradings = [String]()
        for index in 0..<100 {
            let origin = "A-O\(index)", lot = "A-L\(index)", crop = crops[index % 3]
            let gtin: String? = index % 3 == 0 ? nil : "09506000134352"
            let day = String(format: "2026-03-%02d", 1 + index % 28)
            let held = index % 4 == 0
            let seq = 1 + 3 * index      // after the key entry
            records += [
                .origin(OriginRecord(originCode: origin, farmID: "farm-\(index)", crop: crop)),
                .lot(LotRecord(lotCode: lot, originCode: origin, farmID: "farm-\(index)", cooperative: "HTX-A", crop: crop,
                               harvestDate: day, gtin: gtin)),
                .grading(GradingRecord(lotCode: lot, model: String(repeating: "ab", count: 32), policy: String(repeating: "cd", count: 32),
                                       uploadDigest: nil, images: [], lotGrade: held ? "Grade II" : "Premium", distribution: [:],
                                       needsReview: 0, held: held)),
            ]
            expectedOrigins.append("\(seq)|\(origin)|farm-\(index)|\(crop)")
            expectedLots.append("\(seq + 1)|\(lot)|\(origin)|\(gtin ?? "NULL")|\(day)|HTX-A")
            expectedGradings.append("\(seq + 2)|\(lot)|\(held ? "Grade II" : "Premium")|\(held ? "t" : "f")")   // psql's booleans
        }
        _ = try a.ledger.append(records, signer: a.signer)
        try a.checkpoint()
        let source = LedgerTileSource(path: a.path)
        let origins = expectedOrigins, lots = expectedLots
        let gradings = expectedGradings
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: ProvinceConfig(cooperatives: [a.cooperative]), store: store,
                                                      logger: ProvinceTest.logger) { _ in source }
                #expect(await aggregator.runOnce() == ["HTX-A": .ingested(from: 0, to: 301)])
            }
            func rows(_ sql: String) throws -> [String] {
                try database.psql(sql).split(separator: "\n").map(String.init)
            }
            #expect(try rows("SELECT seq, origin_code, farm_id, crop FROM origins ORDER BY seq") == origins)
            #expect(try rows("SELECT seq, lot_code, origin_code, coalesce(gtin, 'NULL'), harvest_date, cooperative FROM lots ORDER BY seq")
                    == lots)
            #expect(try rows("SELECT seq, lot_code, lot_grade, held FROM gradings ORDER BY seq") == gradings)
            // A grading's time is its entry's.
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM gradings g JOIN entries e USING (cooperative_id, seq) WHERE g.recorded_at = e.recorded_at") == 100)
            try expectStored(database, cooperative: "HTX-A", ledger: a)
        }
    }

    /// A wrong key in the configuration for a cooperative never verified is corrected by
    /// correcting the configuration (nothing was stored under it); once something was verified
    /// under a key, another key for that name is refused, in words that say why and what to do.
    @Test func aKeyCanBeCorrectedOnlyWhileNothingWasVerifiedUnderIt() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 31)
        defer { a.directory.remove() }
        let other = try CooperativeLedger(name: "HTX-A", number: 32)
        defer { other.directory.remove() }
        try a.addLots(2, prefix: "A")
        try a.checkpoint()
        let source = LedgerTileSource(path: a.path)
        let wrong = try ProvinceConfig.Cooperative(name: a.name, baseURL: a.cooperative.baseURL, key: other.signer.verifier)
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                // The wrong key: nothing verifies, nothing is stored, the round says why.
                let mistaken = try await Aggregator(config: ProvinceConfig(cooperatives: [wrong]), store: store, logger: ProvinceTest.logger) { _ in source }
                for _ in 0..<2 {
                    let outcome = await mistaken.runOnce()[a.name]
                    #expect(outcome?.description.contains("not a checkpoint signed by the cooperative's key") == true, "\(String(describing: outcome))")
                }
                // Corrected in the configuration: taken, and the cooperative is followed under it.
                let corrected = try await Aggregator(config: ProvinceConfig(cooperatives: [a.cooperative]), store: store, logger: ProvinceTest.logger) { _ in source }
                #expect(await corrected.runOnce()[a.name] == .ingested(from: 0, to: 7))
                #expect(try ProvinceTest.count(database, "SELECT count(*) FROM cooperatives WHERE vkey = '\(a.signer.verifier.vkey)'") == 1)

                // Now data was verified under it: another key is refused, naming both and the way out.
                let refusal = await #expect(throws: KeyChangeRefused.self) {
                    _ = try await Aggregator(config: ProvinceConfig(cooperatives: [wrong]), store: store, logger: ProvinceTest.logger) { _ in source }
                }
                #expect(refusal == KeyChangeRefused(name: a.name, stored: a.signer.verifier.vkey, configured: other.signer.verifier.vkey, entries: 7))
                let english = refusal?.description ?? ""
                #expect(english.contains("7 entries") && english.contains("give it another name"), "\(english)")
                let vietnamese = try Localizer.bundled(.vietnamese).render(try #require(refusal).message)
                #expect(vietnamese.contains("Khóa của một hợp tác xã không đổi"), "\(vietnamese)")
                #expect(try ProvinceTest.count(database, "SELECT count(*) FROM cooperatives WHERE vkey = '\(a.signer.verifier.vkey)'") == 1)
            }
            try expectStored(database, cooperative: a.name, ledger: a)
        }
    }
}

/// Every entry of `ledger` is stored exactly once for `cooperative`, byte for byte.
func expectStored(_ database: some SQLConsole, cooperative: String, ledger: CooperativeLedger, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let size = try ledger.size()
    let id = "(SELECT id FROM cooperatives WHERE name = '\(cooperative)')"
    #expect(try ProvinceTest.count(database, "SELECT count(*) FROM entries WHERE cooperative_id = \(id)") == size, sourceLocation: sourceLocation)
    #expect(try ProvinceTest.count(database, "SELECT count(DISTINCT seq) FROM entries WHERE cooperative_id = \(id) AND seq < \(size)") == size,
            sourceLocation: sourceLocation)
    #expect(try ProvinceTest.count(database, "SELECT tree_size FROM cooperatives WHERE id = \(id)") == size, sourceLocation: sourceLocation)
    // The stored bytes are the ledger's: compare a digest of all of them in seq order.
    let stored = try database.psql("SELECT encode(sha256(string_agg(body, ''::bytea ORDER BY seq)), 'hex') FROM entries WHERE cooperative_id = \(id)")
        .trimmingCharacters(in: .whitespacesAndNewlines)
    let bytes = try ledger.ledger.storedEntryBytes(seqs: 0..<size).flatMap { $0 }
    #expect(stored == SHA256Hex.digest(bytes), sourceLocation: sourceLocation)
    #expect(try ProvinceTest.count(database, "SELECT count(*) FROM cooperatives WHERE id = \(id) AND status = 'following' AND last_error IS NULL") == 1,
            sourceLocation: sourceLocation)
}

/// `agritrace serve`'s server in this process, on a free port.
final class InProcessServer: @unchecked Sendable {
    let port: Int
    private let task: Task<Void, any Error>
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(ledgerPath: String) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        task = Task {
            try await LedgerServer.run(LedgerServer.Options(ledgerPath: ledgerPath, host: "127.0.0.1", port: 0)) { continuation.yield($0) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw PostgresCluster.Failure(description: "server did not start") }
        self.port = port
    }

    func stop() { task.cancel() }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result = [T]()
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
