import Crypto
import Foundation
import LedgerStore
import Logging
import MerkleLog
import Province
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
        directory = try TemporaryDirectory(prefix: "province-\(name)")
        ledger = try Ledger.createProvenance(at: directory.url.appendingPathComponent(file).path, signer: signer,
                                             clock: .fixed(millisecondsSinceEpoch: time))
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
        /// Each bundle takes this long (to be interrupted mid-ingest).
        case slow(Duration)
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
        if case .down = fault { throw FetchError(description: "connection refused") }
        let ledger = try Ledger(provenanceAt: path, readOnly: true)
        guard let stored = try ledger.latestCheckpoint() else { throw FetchError(description: "HTTP 404") }
        return stored.signedNote
    }

    func entryBundle(index: Int, width: Int?) async throws -> [UInt8] {
        let (path, fault) = current()
        lock.withLock { bundleRequests += 1 }
        let ledger = try Ledger(provenanceAt: path, readOnly: true)
        let count = width ?? 256
        let entries = try ledger.storedEntryBytes(seqs: index * 256..<index * 256 + count)
        guard entries.count == count else { throw FetchError(description: "HTTP 404") }
        var bytes = [UInt8]()
        for entry in entries { bytes += [UInt8(entry.count >> 8), UInt8(entry.count & 0xff)] + entry }
        switch fault {
        case .none: return bytes
        case .down: throw FetchError(description: "connection refused")
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
        }
    }
}

enum ProvinceTest {
    static var logger: Logger {
        var logger = Logger(label: "province-test")
        logger.logLevel = .critical
        return logger
    }

    /// A fresh cluster for `body`, removed afterwards.
    static func withCluster<T>(_ body: (PostgresCluster) async throws -> T) async throws -> T {
        let cluster = try await PostgresCluster.create()
        do {
            let value = try await body(cluster)
            await cluster.remove()
            return value
        } catch {
            await cluster.remove()
            throw error
        }
    }

    static func count(_ cluster: PostgresCluster, _ sql: String) throws -> Int {
        guard let value = Int(try cluster.psql(sql).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw PostgresCluster.Failure(description: "not a number from: \(sql)")
        }
        return value
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
