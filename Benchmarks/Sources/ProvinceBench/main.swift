// ProvinceBench: the province aggregator at scale (issue "Province scale", item 6).
//
// Generates N cooperatives' ledgers (E entries in all: origin, lot and grading entries, signed),
// serves each with `agritrace serve`'s own server on loopback (in this process), ingests them all
// with `Aggregator` into the PostgreSQL at --database, and reports:
// - ingest entries/s against the Ed25519 verification floor measured in the same run (every
//   entry's signature verified on 2 threads, nothing else): the ratio floor/ingest (goal <= 1.5);
// - p50/p99 latency of trace (/lot, /01/<GTIN>/10/<lot>) and EPCIS (/events) queries over HTTP
//   with C concurrent clients (goal: p99 < 20 ms).
// Run through Benchmarks/province-bench.sh, which starts and removes a throw-away cluster.
import BenchSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerStore
import Logging
import MerkleLog
import Provenance
import Province
import PublicServer

struct Options {
    var cooperatives = 200
    var entries = 1_000_000
    var clients = 50
    var queries = 5_000
    var concurrency = 8
    var database = ""
    var work = ""

    init(_ arguments: [String]) {
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fatalError("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--cooperatives": cooperatives = Int(value())!
            case "--entries": entries = Int(value())!
            case "--clients": clients = Int(value())!
            case "--queries": queries = Int(value())!
            case "--concurrency": concurrency = Int(value())!
            case "--database": database = value()
            case "--work": work = value()
            default: fatalError("unknown option \(arguments[index])")
            }
            index += 1
        }
        precondition(!database.isEmpty && !work.isEmpty, "usage: ProvinceBench --database URL --work DIR [--cooperatives N] [--entries E] [--clients C] [--queries Q] [--concurrency K]")
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let gtin = "09506000134352"

func lotCode(_ coop: Int, _ lot: Int) -> String { "C\(coop)-L\(lot)" }

/// One cooperative's ledger: `lots` lots of 3 entries each (origin, lot, grading).
func makeLedger(_ coop: Int, lots: Int) throws -> (path: String, signer: NoteSigner) {
    let signer = try NoteSigner(name: "coop\(coop).example/ledger", seed: (0..<32).map { UInt8(($0 + coop) & 0xff) })
    let path = options.work + "/coop-\(coop).db"
    let ledger = try Ledger.createProvenance(at: path, signer: signer)
    let hex = String(repeating: "ab", count: 32)
    var records = [ProvenanceRecord]()
    for lot in 0..<lots {
        let origin = "C\(coop)-O\(lot)"
        records += [
            .origin(OriginRecord(originCode: origin, farmID: "farm-\(origin)", farmName: "Nông trại \(lot)", commune: "Tân Phú",
                                 district: "Cai Lậy", province: "Đồng Tháp", crop: "mango")),
            .lot(LotRecord(lotCode: lotCode(coop, lot), originCode: origin, farmID: "farm-\(origin)", cooperative: "HTX-\(coop)", crop: "mango",
                           harvestDate: "2026-03-01", quantityGrams: 125_000, gtin: gtin, uploadDigest: nil)),
            .grading(GradingRecord(lotCode: lotCode(coop, lot), model: hex, policy: String(repeating: "cd", count: 32), uploadDigest: nil,
                                   images: [.graded(GradedPhoto(file: "IMG_0.jpg", sha256: hex, classIndex: 0,
                                                                scoresBasisPoints: [9000, 500, 500, 0, 0, 0, 0, 0, 0, 0], grade: "Premium"))],
                                   lotGrade: "Premium", distribution: ["Premium": 1], needsReview: 0)),
        ]
    }
    for chunk in stride(from: 0, to: records.count, by: 3000) {
        _ = try ledger.append(Array(records[chunk..<min(records.count, chunk + 3000)]), signer: signer)
    }
    _ = try ledger.signCheckpoint(signer: signer)
    return (path, signer)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func ms(_ seconds: Double) -> String { String(format: "%.2f ms", seconds * 1000) }

let lotsPerCoop = max(1, options.entries / options.cooperatives / 3)
let totalEntries = options.cooperatives * (lotsPerCoop * 3 + 1)      // + each ledger's key entry
print("ProvinceBench: \(options.cooperatives) cooperatives x \(lotsPerCoop) lots = \(totalEntries) entries; \(ProcessInfo.processInfo.activeProcessorCount) cores")

var t0 = now()
var ledgers = [(path: String, signer: NoteSigner)]()
for coop in 0..<options.cooperatives { ledgers.append(try makeLedger(coop, lots: lotsPerCoop)) }
print(String(format: "generated in %.1f s", now() - t0))

// The floor: every entry's Ed25519 signature verified on 2 threads (bytes read and parsed before timing).
var parsed = [(LedgerEntry, NoteVerifier)]()
for (path, signer) in ledgers {
    let ledger = try Ledger(provenanceAt: path, readOnly: true)
    for bytes in try ledger.storedEntryBytes(seqs: 0..<(try ledger.size())) {
        parsed.append((try LedgerEntry(canonicalBytes: bytes), signer.verifier))
    }
}
let all = parsed
t0 = now()
DispatchQueue.concurrentPerform(iterations: 2) { part in
    var bad = 0
    for index in stride(from: part, to: all.count, by: 2) where !all[index].0.hasValidSignature(by: all[index].1) { bad += 1 }
    precondition(bad == 0, "signatures failed")
}
let floorSeconds = now() - t0
let floorRate = Double(all.count) / floorSeconds
print(String(format: "Ed25519 floor (2 threads): %.0f entries/s (%d in %.2f s)", floorRate, all.count, floorSeconds))
parsed = []

// Serve every ledger on loopback.
var servers = [Task<Void, any Error>]()
var bases = [String]()
for (path, _) in ledgers {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    servers.append(Task { try await LedgerServer.run(LedgerServer.Options(ledgerPath: path, host: "127.0.0.1", port: 0)) { continuation.yield($0) } })
    var iterator = stream.makeAsyncIterator()
    guard let port = await iterator.next() else { fatalError("server did not start") }
    bases.append("http://127.0.0.1:\(port)")
}

var logger = Logger(label: "province-bench")
logger.logLevel = .error
let config = try ProvinceConfig(cooperatives: ledgers.enumerated().map { index, ledger in
    try ProvinceConfig.Cooperative(name: "HTX-\(index)", baseURL: bases[index], key: ledger.signer.verifier)
})

try await ProvinceStore.open(url: options.database, logger: logger) { store in
    let aggregator = try await Aggregator(config: config, store: store, logger: logger)
    let start = now()
    let outcomes = await aggregator.runOnce(concurrency: options.concurrency)
    let seconds = now() - start
    let failed = outcomes.filter { $0.value.needsAttention }
    precondition(failed.isEmpty, "not ingested: \(failed.prefix(3))")
    let rate = Double(totalEntries) / seconds
    print(String(format: "ingest: %.0f entries/s (%d entries in %.1f s, %d cooperatives at a time); floor/ingest = %.2f",
                 rate, totalEntries, seconds, options.concurrency, floorRate / rate))

    // Queries over HTTP, `clients` at a time.
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    let server = Task { try await ProvinceServer.run(site: ProvinceSite(store: store), host: "127.0.0.1", port: 0, logger: logger) { continuation.yield($0) } }
    var iterator = stream.makeAsyncIterator()
    guard let port = await iterator.next() else { fatalError("province server did not start") }
    let base = "http://127.0.0.1:\(port)"
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = options.clients
    let session = URLSession(configuration: configuration)
    let kinds: [(String, @Sendable (Int) -> String)] = [
        ("trace /lot", { i in "/lot/\(lotCode(i % options.cooperatives, (i / options.cooperatives) % lotsPerCoop))" }),
        ("trace /01/GTIN/10/lot", { i in "/01/\(gtin)/10/\(lotCode(i % options.cooperatives, (i / options.cooperatives) % lotsPerCoop))" }),
        ("EPCIS /events by epcClass", { i in "/events?MATCH_epcClass=https://id.gs1.org/01/\(gtin)/10/\(lotCode(i % options.cooperatives, (i / options.cooperatives) % lotsPerCoop))" }),
        ("EPCIS /events by bizLocation+epcClass", { i in
            "/events?EQ_bizLocation=urn:agritrace:cooperative:HTX-\(i % options.cooperatives)&MATCH_epcClass=https://id.gs1.org/01/\(gtin)/10/\(lotCode(i % options.cooperatives, (i / options.cooperatives) % lotsPerCoop))" }),
    ]
    for (name, path) in kinds {
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<options.clients {
                group.addTask {
                    var mine = [Double]()
                    for i in stride(from: client, to: options.queries, by: options.clients) {
                        let url = URL(string: base + path(i &* 7919))!
                        let t = now()
                        let (data, response) = try await session.data(from: url)
                        mine.append(now() - t)
                        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                            fatalError("\(url): \((response as? HTTPURLResponse)?.statusCode ?? 0) \(String(decoding: data, as: UTF8.self))")
                        }
                    }
                    return mine
                }
            }
            var all = [Double]()
            for try await part in group { all += part }
            return all.sorted()
        }
        print("\(name): \(latencies.count) queries, \(options.clients) clients: p50 \(ms(percentile(latencies, 0.5))), p99 \(ms(percentile(latencies, 0.99)))")
    }
    server.cancel()
}
servers.forEach { $0.cancel() }
