// ProvinceBench: the province aggregator at scale (issue "Province scale", item 6).
//
// Generates N cooperatives' ledgers (E entries in all: origin, lot and grading entries, signed),
// serves each with `agritrace serve`'s own server on loopback (in this process), ingests them all
// with `Aggregator` into the PostgreSQL at --database, and reports:
// - ingest entries/s against the Ed25519 verification floor measured in the same run (every
//   entry's signature verified on 2 threads, nothing else): the ratio floor/ingest (goal <= 1.5),
//   with the CPU seconds this process and PostgreSQL spent, and a fetch-only pass (every entry
//   bundle fetched over HTTP, nothing verified or stored) to show what serving and HTTP cost;
// - p50/p99 latency of trace (/lot, /01/<GTIN>/10/<lot>) and EPCIS (/events) queries over HTTP
//   with C concurrent connections (wrk; goal: p99 < 20 ms).
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
    var seconds = 20
    var warmUpSeconds = 3
    var concurrency = 8
    /// wrk's threads. On a 2-core machine they share the cores with the server, so each one is a
    /// competitor as well as a client: one thread keeps the 50 connections busy (it offered more
    /// requests a second than two did) and leaves the server a core.
    var wrkThreads = 1
    var database = ""
    var work = ""
    var postmasterPID: Int32?

    init(_ arguments: [String]) {
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fatalError("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        func number() -> Int {
            let text = value()
            guard let number = Int(text), number > 0 else { fatalError("\(arguments[index - 1]) needs a positive number, not '\(text)'") }
            return number
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--cooperatives": cooperatives = number()
            case "--entries": entries = number()
            case "--clients": clients = number()
            case "--seconds": seconds = number()
            case "--warm-up-seconds": warmUpSeconds = number()
            case "--concurrency": concurrency = number()
            case "--wrk-threads": wrkThreads = number()
            case "--database": database = value()
            case "--work": work = value()
            case "--postmaster-pid": postmasterPID = Int32(number())
            default: fatalError("unknown option \(arguments[index])")
            }
            index += 1
        }
        precondition(!database.isEmpty && !work.isEmpty,
                     "usage: ProvinceBench --database URL --work DIR [--cooperatives N] [--entries E] [--clients C] [--seconds S] [--warm-up-seconds W] [--concurrency K] [--wrk-threads T] [--postmaster-pid P]")
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let gtin = "09506000134352"

func lotCode(_ coop: Int, _ lot: Int) -> String { "C\(coop)-L\(lot)" }

func signer(_ coop: Int) throws -> NoteSigner {
    try NoteSigner(name: "coop\(coop).example/ledger", seed: (0..<32).map { UInt8(($0 + coop) & 0xff) })
}

/// One cooperative's ledger: `lots` lots of 3 entries each (origin, lot, grading) after its key
/// entry. An existing file of the right size in --work is reused (the keys are derived from the index).
func makeLedger(_ coop: Int, lots: Int) throws -> (path: String, signer: NoteSigner) {
    let signer = try signer(coop)
    let path = options.work + "/coop-\(coop)-\(lots).db"
    if FileManager.default.fileExists(atPath: path) {
        let ledger = try Ledger(provenanceAt: path, readOnly: true)
        if try ledger.size() == lots * 3 + 1, try ledger.latestCheckpoint() != nil { return (path, signer) }
        try FileManager.default.removeItem(atPath: path)
    }
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

/// CPU seconds (user + system) of this process so far.
func processCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

/// CPU seconds of the PostgreSQL server: the postmaster (with its reaped children) and every live
/// child process (the backends of the pool's connections). nil without --postmaster-pid.
func postgresCPU() -> Double? {
    guard let postmaster = options.postmasterPID else { return nil }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    var total = 0.0
    for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), numbered from pid = 1.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let ppid = Int32(fields[1]) else { continue }
        if pid == postmaster {
            total += fields[11...14].compactMap { Double($0) }.reduce(0, +) / ticks
        } else if ppid == postmaster {
            total += fields[11...12].compactMap { Double($0) }.reduce(0, +) / ticks
        }
    }
    return total
}

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}

let lotsPerCoop = max(1, options.entries / options.cooperatives / 3)
let totalEntries = options.cooperatives * (lotsPerCoop * 3 + 1)      // + each ledger's key entry
print("ProvinceBench: \(options.cooperatives) cooperatives x \(lotsPerCoop) lots = \(totalEntries) entries; "
      + "\(ProcessInfo.processInfo.activeProcessorCount) cores; load average \(loadAverage())")

var t0 = now()
var ledgers = [(path: String, signer: NoteSigner)]()
for coop in 0..<options.cooperatives { ledgers.append(try makeLedger(coop, lots: lotsPerCoop)) }
print(String(format: "ledgers ready in %.1f s", now() - t0))

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
var cpu0 = processCPU()
DispatchQueue.concurrentPerform(iterations: 2) { part in
    var bad = 0
    for index in stride(from: part, to: all.count, by: 2) where !all[index].0.hasValidSignature(by: all[index].1) { bad += 1 }
    precondition(bad == 0, "signatures failed")
}
let floorSeconds = now() - t0
let floorCPU = processCPU() - cpu0
let floorRate = Double(all.count) / floorSeconds
print(String(format: "Ed25519 floor (2 threads): %.0f entries/s (%d in %.2f s wall, %.2f CPU-s = %.1f us each); load average %@",
             floorRate, all.count, floorSeconds, floorCPU, floorCPU / Double(all.count) * 1e6, loadAverage()))
parsed = []

// Serve every ledger on loopback.
var servers = [Task<Void, any Error>]()
var serverBases = [String]()
for (path, _) in ledgers {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    servers.append(Task { try await LedgerServer.run(LedgerServer.Options(ledgerPath: path, host: "127.0.0.1", port: 0)) { continuation.yield($0) } })
    var iterator = stream.makeAsyncIterator()
    guard let port = await iterator.next() else { fatalError("server did not start") }
    serverBases.append("http://127.0.0.1:\(port)")
}
let bases = serverBases

// What serving and HTTP cost alone: every entry bundle fetched, nothing verified or stored.
t0 = now()
cpu0 = processCPU()
let fetched = try await withThrowingTaskGroup(of: Int.self) { group in
    var next = 0, total = 0
    func add(_ coop: Int) {
        group.addTask {
            let source = HTTPTileSource(baseURL: bases[coop])
            let size = lotsPerCoop * 3 + 1
            var bytes = 0
            for index in 0..<(size + EntryBundle.width - 1) / EntryBundle.width {
                let width = min(EntryBundle.width, size - index * EntryBundle.width)
                bytes += try await source.entryBundle(index: index, width: width == EntryBundle.width ? nil : width).count
            }
            return bytes
        }
    }
    while next < min(options.concurrency, options.cooperatives) { add(next); next += 1 }
    while let bytes = try await group.next() {
        total += bytes
        if next < options.cooperatives { add(next); next += 1 }
    }
    return total
}
print(String(format: "fetch only (%d cooperatives at a time): %.0f entries/s (%.1f MB in %.1f s wall, %.1f CPU-s in this process)",
             options.concurrency, Double(totalEntries) / (now() - t0), Double(fetched) / 1e6, now() - t0, processCPU() - cpu0))

let logger = {
    var logger = Logger(label: "province-bench")
    logger.logLevel = .error
    return logger
}()
let config = try ProvinceConfig(cooperatives: ledgers.enumerated().map { index, ledger in
    try ProvinceConfig.Cooperative(name: "HTX-\(index)", baseURL: bases[index], key: ledger.signer.verifier)
})

/// wrk's latency figure ("812.00us", "1.20ms", "1.01s") in milliseconds.
func milliseconds(_ text: Substring) -> Double {
    for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
        return (Double(text.dropLast(unit.count)) ?? .nan) * scale
    }
    return .nan
}

try await ProvinceStore.open(url: options.database, logger: logger) { store in
    let aggregator = try await Aggregator(config: config, store: store, logger: logger)
    let start = now()
    let cpuStart = processCPU(), pgStart = postgresCPU()
    let outcomes = await aggregator.runOnce(concurrency: options.concurrency)
    let seconds = now() - start
    let cpu = processCPU() - cpuStart, pg = postgresCPU().map { $0 - (pgStart ?? 0) }
    let failed = outcomes.filter { $0.value.needsAttention }
    precondition(failed.isEmpty, "not ingested: \(failed.prefix(3))")
    let stored = try await store.status().map(\.treeSize).reduce(0, +)
    precondition(stored == totalEntries, "\(stored) entries stored, \(totalEntries) served")
    let rate = Double(totalEntries) / seconds
    print(String(format: "ingest: %.0f entries/s (%d entries in %.1f s, %d cooperatives at a time); floor/ingest = %.2f (goal <= 1.5); load average %@",
                 rate, totalEntries, seconds, options.concurrency, floorRate / rate, loadAverage()))
    print(String(format: "  CPU during ingest: this process (aggregator + tile servers) %.1f s (%.0f us/entry), PostgreSQL %@; floor %.1f CPU-s",
                 cpu, cpu / Double(totalEntries) * 1e6, pg.map { String(format: "%.1f s (%.0f us/entry)", $0, $0 / Double(totalEntries) * 1e6) } ?? "?",
                 floorCPU))

    // Queries over HTTP: wrk, `clients` connections, random paths from a list. The bench asks the
    // same 5,000 paths again and again with nothing ingested meanwhile, so the answers kept in
    // memory serve nearly all of them; a second server keeps none, for what each answer costs.
    func startServer(answerCacheBytes: Int) async -> (Task<Void, any Error>, String) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let site = ProvinceSite(store: store, answerCacheBytes: answerCacheBytes)
        let server = Task { try await ProvinceServer.run(site: site, host: "127.0.0.1", port: 0, logger: logger) { continuation.yield($0) } }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { fatalError("province server did not start") }
        return (server, "http://127.0.0.1:\(port)")
    }
    let (server, cachedBase) = await startServer(answerCacheBytes: ProvinceSite.defaultAnswerCacheBytes)
    let (uncachedServer, uncachedBase) = await startServer(answerCacheBytes: 0)
    let script = options.work + "/paths.lua"
    try """
        local paths = {}
        init = function(args) for line in io.lines(args[1]) do paths[#paths + 1] = line end end
        request = function() return wrk.format("GET", paths[math.random(#paths)]) end
        """.write(toFile: script, atomically: true, encoding: .utf8)
    var generator = SystemRandomNumberGenerator()
    let picks = (0..<5_000).map { _ in (Int.random(in: 0..<options.cooperatives, using: &generator), Int.random(in: 0..<lotsPerCoop, using: &generator)) }
    let lotPath: (Int, Int) -> String = { "/lot/\(lotCode($0, $1))" }
    let eventsPath: (Int, Int) -> String = { "/events?MATCH_epcClass=https://id.gs1.org/01/\(gtin)/10/\(lotCode($0, $1))" }
    let kinds: [(String, String, (Int, Int) -> String)] = [
        ("trace /lot/<lot>", cachedBase, lotPath),
        ("trace /01/<GTIN>/10/<lot>", cachedBase, { "/01/\(gtin)/10/\(lotCode($0, $1))" }),
        ("EPCIS /events?MATCH_epcClass", cachedBase, eventsPath),
        ("EPCIS /events?EQ_bizLocation&MATCH_epcClass", cachedBase, {
            "/events?EQ_bizLocation=urn:agritrace:cooperative:HTX-\($0)&MATCH_epcClass=https://id.gs1.org/01/\(gtin)/10/\(lotCode($0, $1))" }),
        ("trace /lot/<lot>, no answers kept", uncachedBase, lotPath),
        ("EPCIS /events?MATCH_epcClass, no answers kept", uncachedBase, eventsPath),
    ]
    for (index, (name, base, path)) in kinds.enumerated() {
        let paths = picks.map { path($0.0, $0.1) }
        // Every kind must answer what the bench asks for: the lot, or an event of it.
        let (coop, lot) = picks[0]
        let (data, response) = try await URLSession.shared.data(from: URL(string: base + paths[0])!)
        let body = String(decoding: data, as: UTF8.self)
        guard (response as? HTTPURLResponse)?.statusCode == 200, body.contains(lotCode(coop, lot)),
              !name.hasPrefix("EPCIS") || body.contains("ObjectEvent") else {
            fatalError("\(paths[0]) answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(body.prefix(500))")
        }
        let file = options.work + "/paths-\(index).txt"
        try (paths.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        func runWrk(seconds: Int) throws -> String {
            let wrk = Process()
            wrk.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            wrk.arguments = ["wrk", "-t\(options.wrkThreads)", "-c\(options.clients)", "-d\(seconds)s", "--latency", "-s", script, base, "--", file]
            let pipe = Pipe()
            wrk.standardOutput = pipe
            try wrk.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            wrk.waitUntilExit()
            guard wrk.terminationStatus == 0 else { fatalError("wrk exited \(wrk.terminationStatus): \(output)") }
            return output
        }
        // A warm-up with the same paths first, as serve_bench.sh does: the timed run then measures
        // the steady state (answers kept in memory where the server keeps them; the rows of the
        // server that keeps none show what an answer costs cold).
        _ = try runWrk(seconds: options.warmUpSeconds)
        let queryCPUStart = processCPU(), queryPGStart = postgresCPU()
        let output = try runWrk(seconds: options.seconds)
        let queryCPU = processCPU() - queryCPUStart, queryPG = postgresCPU().map { $0 - (queryPGStart ?? 0) }
        try output.write(toFile: options.work + "/wrk-\(index).txt", atomically: true, encoding: .utf8)
        var figures = [String: Substring]()
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, ["50%", "90%", "99%"].contains(words[0]) { figures[String(words[0])] = words[1] }
            if line.hasPrefix("Requests/sec:"), let last = words.last { figures["rps"] = last }
            if line.contains("Non-2xx"), let last = words.last { figures["bad"] = last }
            if line.contains("Socket errors") { figures["errors"] = line.dropFirst() }
        }
        guard let p50 = figures["50%"], let p99 = figures["99%"], let rps = figures["rps"] else { fatalError("cannot read wrk's output: \(output)") }
        print(String(format: "%@: %@ requests/s, %d connections (wrk, %d threads), %d s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms (goal < 20 ms)%@; load average %@",
                     name, String(rps), options.clients, options.wrkThreads, options.seconds, milliseconds(p50), milliseconds(figures["90%"] ?? "?"), milliseconds(p99),
                     (figures["bad"].map { ", NON-2XX: \($0)" } ?? "") + (figures["errors"].map { ", \($0)" } ?? ""), loadAverage()))
        // Where a request's time goes: this process (HTTP and the answer) against PostgreSQL.
        let requests = (Double(rps) ?? .nan) * Double(options.seconds)
        print(String(format: "  CPU per request: this process %.0f us, PostgreSQL %@", queryCPU / requests * 1e6,
                     queryPG.map { String(format: "%.0f us", $0 / requests * 1e6) } ?? "?"))
    }
    server.cancel()
    uncachedServer.cancel()
}
servers.forEach { $0.cancel() }
