import Crypto
import Foundation
import LedgerStore
import Logging
import MerkleLog
@testable import Province
import Provenance
import ProvenanceTestSupport
import TestSupport

/// A cooperative's ledger for the aggregator's tests: its own key (seeded by `number`), a fixed
/// clock, and records appended in batches.
final class CooperativeLedger: @unchecked Sendable {
    let name: String
    let signer: NoteSigner
    let directory: TemporaryDirectory
    let ledger: Ledger
    var path: String { ledger.path }

    init(name: String, number: UInt8, file: String = "ledger.db", time: Int64 = ProvenanceFixture.startTime) throws {
        self.name = name
        signer = try NoteSigner(name: "\(name.lowercased()).example/ledger", seed: [UInt8](repeating: number, count: 32))
        let directory = try TemporaryDirectory(prefix: "province-\(name)")
        self.directory = directory
        do {
            ledger = try Ledger.createProvenance(at: directory.url.appendingPathComponent(file).path, signer: signer,
                                                 clock: .fixed(millisecondsSinceEpoch: time))
        } catch {
            directory.remove()
            throw error
        }
    }

    /// A second ledger with the same key (to make rollbacks, forks and equivocations).
    init(sameKeyAs other: CooperativeLedger, file: String) throws {
        name = other.name
        signer = other.signer
        directory = other.directory
        ledger = try Ledger.createProvenance(at: directory.url.appendingPathComponent(file).path, signer: signer,
                                             clock: .fixed(millisecondsSinceEpoch: ProvenanceFixture.startTime))
    }

    var cooperative: ProvinceConfig.Cooperative {
        get throws { try ProvinceConfig.Cooperative(name: name, baseURL: "http://\(name.lowercased()).invalid", key: signer.verifier) }
    }

    /// `lots` lots (each with its origin, lot and grading entries: 3 entries per lot), codes prefixed by `prefix`.
    func addLots(_ lots: Int, prefix: String) throws {
        var records = [ProvenanceRecord]()
        for index in 0..<lots {
            let origin = "\(prefix)-O\(index)"
            let lot = "\(prefix)-L\(index)"
            records += [ProvenanceFixture.origin(origin),
                        .lot(LotRecord(lotCode: lot, originCode: origin, farmID: "farm-\(origin)", cooperative: name, crop: "mango",
                                       harvestDate: "2026-03-01", quantityGrams: 125_000, gtin: "09506000134352")),
                        ProvenanceFixture.grading(lot)]
        }
        for chunk in stride(from: 0, to: records.count, by: 300) {
            _ = try ledger.append(Array(records[chunk..<min(records.count, chunk + 300)]), signer: signer)
        }
    }

    @discardableResult
    func checkpoint() throws -> StoredCheckpoint { try ledger.signCheckpoint(signer: signer) }

    func size() throws -> Int { try ledger.size() }
}

/// A tile source read straight from a ledger file (the bytes `agritrace serve` would send),
/// whose ledger and faults a test can change between rounds.
final class LedgerTileSource: TileSource, @unchecked Sendable {
    enum Fault: Sendable {
        case none
        case down
        case truncate
        case flipByte
        /// Each bundle takes this long.
        case slow(Duration)
        /// Bundles from this tile index on wait until the fault changes: an ingest stopped
        /// midway for as long as a test needs, however fast or loaded the machine.
        case holdFrom(tile: Int)
    }

    private let lock = NSLock()
    private var path: String
    private var fault: Fault = .none
    private(set) var bundleRequests = 0

    init(path: String) { self.path = path }

    func serve(path: String) { lock.withLock { self.path = path } }
    func inject(_ fault: Fault) { lock.withLock { self.fault = fault } }

    private func current() -> (String, Fault) { lock.withLock { (path, fault) } }

    func checkpoint() async throws -> String {
        let (path, fault) = current()
        if case .down = fault { throw FetchError(.refused, url: "http://127.0.0.1:9") }
        let ledger = try Ledger(provenanceAt: path, readOnly: true)
        guard let stored = try ledger.latestCheckpoint() else { throw FetchError(.httpStatus(404), url: "http://127.0.0.1:9") }
        return stored.signedNote
    }

    func entryBundle(index: Int, width: Int?) async throws -> [UInt8] {
        var (path, fault) = current()
        lock.withLock { bundleRequests += 1 }
        while case .holdFrom(let tile) = fault, index >= tile {
            try await Task.sleep(for: .milliseconds(20))
            (path, fault) = current()
        }
        let ledger = try Ledger(provenanceAt: path, readOnly: true)
        let count = width ?? 256
        let entries = try ledger.storedEntryBytes(seqs: index * 256..<index * 256 + count)
        guard entries.count == count else { throw FetchError(.httpStatus(404), url: "http://127.0.0.1:9") }
        var bytes = [UInt8]()
        for entry in entries { bytes += [UInt8(entry.count >> 8), UInt8(entry.count & 0xff)] + entry }
        switch fault {
        case .none: return bytes
        case .down: throw FetchError(.refused, url: "http://127.0.0.1:9")
        case .truncate: return Array(bytes.prefix(bytes.count / 2))
        case .flipByte:
            // A byte inside the last entry's signature (base64 letters stay letters).
            var flipped = bytes
            let at = flipped.count - 40
            flipped[at] = flipped[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            return flipped
        case .slow(let delay):
            try await Task.sleep(for: delay)
            return bytes
        case .holdFrom: return bytes
        }
    }
}

enum ProvinceTest {
    static var logger: Logger {
        var logger = Logger(label: "province-test")
        logger.logLevel = .critical
        return logger
    }

    /// Longest a test may wait in `withDatabase` or `withCluster`. The slowest test takes about 4
    /// minutes alone under load; a test still waiting after this is stuck, and failing it beats
    /// holding up the whole run.
    static let timeLimit: Duration = .seconds(600)

    /// A new empty database in the cluster the tests share, for `body`; dropped afterwards. A body
    /// still running after `timeLimit` fails the test and is left behind, cancelled (the drop ends
    /// its sessions), so one stuck test cannot hold the run.
    static func withDatabase<T: Sendable>(_ body: @escaping @Sendable (TestDatabase) async throws -> T) async throws -> T {
        let cluster = try await SharedCluster.shared.acquire()
        let name = "t_" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "_")
        let result: Result<T, any Error>
        do {
            try await cluster.createDatabase(name)
            let database = TestDatabase(cluster: cluster, name: name)
            result = await outcome { try await Deadline.run(atMost: timeLimit, Stuck(limit: timeLimit)) { try await body(database) } }
            try? await cluster.dropDatabase(name)
        } catch {
            result = .failure(error)
        }
        await SharedCluster.shared.release()
        return try result.get()
    }

    /// A cluster of its own for `body` (a test that stops or restarts the server), removed
    /// afterwards; bounded by `timeLimit` as `withDatabase` is.
    static func withCluster<T: Sendable>(_ body: @escaping @Sendable (PostgresCluster) async throws -> T) async throws -> T {
        let cluster = try await PostgresCluster.create()
        let result = await outcome { try await Deadline.run(atMost: timeLimit, Stuck(limit: timeLimit)) { try await body(cluster) } }
        await cluster.remove()
        return try result.get()
    }

    private static func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    struct Stuck: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "the test was still waiting after \(limit): given up (see ProvinceTest.timeLimit)" }
    }

    static func count(_ database: some SQLConsole, _ sql: String) throws -> Int {
        guard let value = Int(try database.psql(sql).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw PostgresCluster.Failure(description: "not a number from: \(sql)")
        }
        return value
    }
}

/// Where a test's SQL from outside the code under test goes.
protocol SQLConsole: Sendable {
    var url: String { get }
    func psql(_ sql: String) throws -> String
}

extension PostgresCluster: SQLConsole {
    func psql(_ sql: String) throws -> String { try psql(sql, database: "province") }
}

/// One test's database in the shared cluster.
struct TestDatabase: SQLConsole {
    let cluster: PostgresCluster
    let name: String
    var url: String { cluster.url(database: name) }
    func psql(_ sql: String) throws -> String { try cluster.psql(sql, database: name) }
}

/// The PostgreSQL cluster the tests of this process share: started by the first test that needs
/// it, removed when the last one running is done (started again if another comes later).
actor SharedCluster {
    static let shared = SharedCluster()
    private var cluster: Task<PostgresCluster, any Error>?
    private var users = 0

    func acquire() async throws -> PostgresCluster {
        users += 1
        let starting = cluster ?? Task { try await PostgresCluster.create(maxConnections: 400) }
        cluster = starting
        do {
            return try await starting.value
        } catch {
            users -= 1
            if cluster == starting { cluster = nil }
            throw error
        }
    }

    func release() async {
        users -= 1
        guard users == 0, let stopping = cluster else { return }
        cluster = nil
        if let running = try? await stopping.value { await running.remove() }
    }
}

enum SHA256Hex {
    static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension RoundOutcome {
    var isFailed: Bool { if case .failed = self { return true } else { return false } }
    var isHalted: Bool { if case .halted = self { return true } else { return false } }
}
