import Foundation
@testable import Province
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Faults around the aggregator: each test ends with every honest cooperative stored exactly
/// once and the faulty one reported.
@Suite struct FaultTests {
    enum ServerFault: String, CaseIterable {
        case down, truncate, flipByte
    }

    /// A cooperative whose server is down, or sends truncated or altered bundles, is reported
    /// (its last error) and retried; nothing of the bad answer is stored, and once the server
    /// is fixed it is caught up exactly.
    @Test(arguments: ServerFault.allCases)
    func aFaultyServerIsReportedAndRetried(_ fault: ServerFault) async throws {
        let honest = try CooperativeLedger(name: "HTX-HONEST", number: 51)
        defer { honest.directory.remove() }
        let faulty = try CooperativeLedger(name: "HTX-FAULTY", number: 52)
        defer { faulty.directory.remove() }
        try honest.addLots(5, prefix: "H")
        try honest.checkpoint()
        try faulty.addLots(5, prefix: "F")
        try faulty.checkpoint()
        let sources = [honest.name: LedgerTileSource(path: honest.path), faulty.name: LedgerTileSource(path: faulty.path)]
        sources[faulty.name]!.inject([ServerFault.down: .down, .truncate: .truncate, .flipByte: .flipByte][fault]!)
        let config = try ProvinceConfig(cooperatives: [honest.cooperative, faulty.cooperative])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { sources[$0.name]! }
                for _ in 0..<2 {
                    let outcomes = await aggregator.runOnce()
                    #expect(outcomes["HTX-FAULTY"]?.isFailed == true, "\(outcomes)")
                }
                let reported = try #require(try await store.status().first { $0.name == "HTX-FAULTY" })
                #expect(reported.status == "following")
                let expected = [ServerFault.down: "refused the connection", .truncate: "entry bundle is truncated",
                                .flipByte: "does not carry a valid signature"][fault]!
                #expect(reported.lastError?.contains(expected) == true, "\(reported.lastError ?? "nil")")
                #expect(reported.treeSize == 0)

                sources[faulty.name]!.inject(.none)
                #expect(await aggregator.runOnce()["HTX-FAULTY"] == .ingested(from: 0, to: 16))
            }
            try expectStored(database, cooperative: "HTX-HONEST", ledger: honest)
            try expectStored(database, cooperative: "HTX-FAULTY", ledger: faulty)
        }
    }

    /// A server that accepts the connection and never answers: the round gives up on it after
    /// the timeout and the other cooperatives are not held up.
    @Test func aSlowServerTimesOut() async throws {
        let honest = try CooperativeLedger(name: "HTX-HONEST", number: 53)
        defer { honest.directory.remove() }
        try honest.addLots(2, prefix: "H")
        try honest.checkpoint()
        let silent = try SilentServer()
        defer { silent.close() }
        let faultyKey = try CooperativeLedger(name: "HTX-SLOW", number: 54)
        defer { faultyKey.directory.remove() }
        let slow = try ProvinceConfig.Cooperative(name: "HTX-SLOW", baseURL: "http://127.0.0.1:\(silent.port)", key: faultyKey.signer.verifier)
        let honestSource = LedgerTileSource(path: honest.path)
        let config = try ProvinceConfig(cooperatives: [honest.cooperative, slow])
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) {
                    $0.name == "HTX-SLOW" ? HTTPTileSource(baseURL: $0.baseURL, timeoutSeconds: 1) as any TileSource : honestSource
                }
                let started = ContinuousClock.now
                let outcomes = await aggregator.runOnce()
                // Given up by the 1 s timeout (URLSession's default would wait 60 s), with room for a loaded machine.
                #expect(ContinuousClock.now - started < .seconds(50))
                #expect(outcomes["HTX-HONEST"] == .ingested(from: 0, to: 7))
                #expect(outcomes["HTX-SLOW"]?.isFailed == true, "\(outcomes)")
                let lastError = try await store.status().first { $0.name == "HTX-SLOW" }?.lastError ?? ""
                #expect(lastError.contains("no complete answer within 1 s"), "\(lastError)")
            }
            try expectStored(database, cooperative: "HTX-HONEST", ledger: honest)
        }
    }

    /// PostgreSQL stopped (as by a crash) and started again while a cooperative is being
    /// ingested: the interrupted round fails instead of hanging, later rounds (as the running
    /// aggregator makes them) complete it, and every entry is stored once.
    @Test func postgresRestartedMidIngest() async throws {
        let a = try CooperativeLedger(name: "HTX-A", number: 55)
        defer { a.directory.remove() }
        try a.addLots(400, prefix: "A")     // 1,201 entries: 5 bundles
        try a.checkpoint()
        let source = LedgerTileSource(path: a.path)
        source.inject(.holdFrom(tile: 2))
        let config = try ProvinceConfig(cooperatives: [a.cooperative])
        try await ProvinceTest.withCluster { cluster in
            try await ProvinceStore.open(url: cluster.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) { _ in source }
                let round = Task { await aggregator.runOnce() }
                // Some but not all bundles are stored (the third is held back): crash the server, then
                // let the held bundle arrive to a database that is gone.
                while try ProvinceTest.count(cluster, "SELECT tree_size FROM cooperatives") == 0 { try await Task.sleep(for: .milliseconds(50)) }
                try await cluster.stop(immediate: true)
                source.inject(.none)
                let interrupted = await round.value
                #expect(interrupted["HTX-A"]?.isFailed == true, "\(interrupted)")
                // A round while the server is down says so within seconds, rather than waiting
                // for the connection pool to give up (about a minute).
                let started = ContinuousClock.now
                let down = await aggregator.runOnce()["HTX-A"]
                #expect(ContinuousClock.now - started < .seconds(30))
                #expect(down?.description.contains("the database cannot be reached") == true, "\(String(describing: down))")
                // Readers of the province's pages and answers are told within the site's bound, in words.
                var site = ProvinceSite(store: store, cooperatives: config.cooperatives)
                site.databaseLimit = .seconds(3)
                let asked = ContinuousClock.now
                let status = await site.reply(method: "GET", path: "/status", query: nil)
                let audit = await site.reply(method: "GET", path: "/audit/HTX-A", query: "lang=vi", acceptLanguage: "vi")
                let page = await site.reply(method: "GET", path: "/lot/A-L0", query: nil, accept: "text/html", acceptLanguage: "en")
                #expect(ContinuousClock.now - asked < .seconds(30))
                #expect(status.status == 503 && status.body.contains("the database") && status.body.contains("error_vi")
                        && !status.body.contains("ConnectionPool") && !status.body.contains("_Module"), "\(status.body)")
                #expect(audit.status == 503 && audit.contentType.hasPrefix("text/html") && audit.body.contains("Hiện không truy cập được"), "\(audit.body)")
                #expect(page.status == 503 && page.contentType.hasPrefix("text/html") && page.body.contains("Not available now"), "\(page.body)")
                try await cluster.start()
                let partial = try ProvinceTest.count(cluster, "SELECT tree_size FROM cooperatives")
                #expect(partial > 0 && partial < 1201)
                #expect(try ProvinceTest.count(cluster, "SELECT count(*) FROM entries") == partial)
                source.inject(.none)
                // The connection pool reconnects on its own back-off (up to a minute after a long
                // outage); until then rounds fail fast and are retried.
                let deadline = ContinuousClock.now + .seconds(150)
                var outcome = await aggregator.runOnce()["HTX-A"]
                while outcome?.isFailed == true, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .seconds(1))
                    outcome = await aggregator.runOnce()["HTX-A"]
                }
                #expect(outcome == .ingested(from: partial, to: 1201))
            }
            try expectStored(cluster, cooperative: "HTX-A", ledger: a)
        }
    }
}

/// Accepts TCP connections and never answers.
final class SilentServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    /// `listening: false` holds the port without accepting: connections are refused, and no
    /// other test's server can take the port meanwhile (a closed port could be reused at once).
    init(listening: Bool = true) throws {
        (fd, port) = try loopbackListener(listening: listening)
    }

    func close() { Glibc.close(fd) }
}

/// A listening TCP socket on a free loopback port, for servers the tests write by hand.
func loopbackListener(listening: Bool = true) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard !listening || listen(fd, 16) == 0 else { throw PostgresCluster.Failure(description: "listen failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
