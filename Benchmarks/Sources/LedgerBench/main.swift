import BenchSupport
import Crypto
import Foundation
import LedgerStore
import MerkleLog
import Provenance

// LedgerBench: appends (one transaction per 1,000 entries and per entry) of ~1 KB grading entries
// against a plain Python sqlite3+hashlib hash chain doing the same appends, full `verify` of a
// large ledger against its floor (one Ed25519 verification per entry split over the cores,
// measured in the same run), and inclusion proofs per second.
//
//   swift run -c release --package-path Benchmarks LedgerBench [--entries 100000]
//       [--per-entry 100000] [--verify-entries 1000000] [--proofs 20000] [--work DIR] [--python python3]

struct Options {
    var entries = 100_000
    var perEntry = 100_000
    var verifyEntries = 1_000_000
    var proofs = 20_000
    var work = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerbench-\(getpid())").path
    var python = "python3"

    init() {
        var args = CommandLine.arguments.dropFirst()
        while let flag = args.popFirst() {
            guard let value = args.popFirst() else { fatalError("\(flag) needs a value") }
            switch flag {
            case "--entries": entries = Int(value)!
            case "--per-entry": perEntry = Int(value)!
            case "--verify-entries": verifyEntries = Int(value)!
            case "--proofs": proofs = Int(value)!
            case "--work": work = value
            case "--python": python = value
            default: fatalError("unknown option \(flag)")
            }
        }
    }
}

let options = Options()
try FileManager.default.createDirectory(atPath: options.work, withIntermediateDirectories: true)
let signer = try NoteSigner(name: "bench.example/ledger", seed: [UInt8](repeating: 42, count: 32))
let lotCount = 1000

/// Grading entries of about 1 KB canonical bytes: three photos with ten scores each.
func gradingBody(_ index: Int) -> EntryBody {
    let lot = "LOT-\(index % lotCount)"
    func hex(_ salt: Int) -> String { HexEncoding.encode(SHA256.hash(data: Array("\(index)-\(salt)".utf8))) }
    let images = (0..<3).map { photo -> GradedImage in
        let scores = (0..<10).map { ($0 * 997 + index + photo) % 1000 }
        return .graded(GradedPhoto(file: "farm-\(index % 17)/IMG_\(20260301 + photo)_\(index).jpg", sha256: hex(photo),
                                   classIndex: (index + photo) % 10, scoresBasisPoints: scores, grade: "Grade I"))
    }
    return ProvenanceRecord.grading(GradingRecord(lotCode: lot, model: hex(100), policy: hex(101), uploadDigest: hex(102), images: images,
                                  lotGrade: "Grade I", distribution: ["Premium": 1, "Grade I": 4, "Grade II": 1], needsReview: 0)).body
}

func setupLedger(_ name: String) throws -> Ledger {
    let path = options.work + "/" + name
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let ledger = try Ledger.createProvenance(at: path, signer: signer)
    var setup: [ProvenanceRecord] = [.origin(OriginRecord(originCode: "VN-DT-001", farmID: "farm-1", crop: "tomato"))]
    for lot in 0..<lotCount {
        setup.append(.lot(LotRecord(lotCode: "LOT-\(lot)", originCode: "VN-DT-001", farmID: "farm-1", cooperative: "coop-1",
                                    crop: "tomato", harvestDate: "2026-03-01")))
    }
    try ledger.append(setup, signer: signer)
    return ledger
}

/// User + system CPU seconds of the whole process (all threads).
func cpuTime() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

/// Thread CPU seconds of the calling thread.
func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Wall and CPU seconds to append `bodies` in transactions of `batch`.
func appendAll(_ ledger: Ledger, _ bodies: [EntryBody], batch: Int) throws -> (wall: Double, cpu: Double) {
    let cpu = cpuTime()
    let start = now()
    var index = 0
    while index < bodies.count {
        let end = min(bodies.count, index + batch)
        try ledger.append(Array(bodies[index..<end]), signer: signer)
        index = end
    }
    return (now() - start, cpuTime() - cpu)
}

print("LedgerBench: \(ProcessInfo.processInfo.activeProcessorCount) cores, work dir \(options.work)")
let bodies = (0..<options.entries).map(gradingBody)
let sample = try LedgerEntry(seq: 123_456, prev: .zero, recordedAt: "2026-03-01T00:00:00.000Z", body: bodies[0], signer: signer)
print("entry size: \(sample.canonicalBytes.count) bytes (canonical, signed)")

// Bodies for the Python baseline: the same fields, without the envelope it adds itself.
let bodiesPath = options.work + "/bodies.jsonl"
var jsonl = [UInt8]()
for body in bodies { jsonl += try CanonicalJSON.encode(body.json); jsonl.append(0x0a) }
try Data(jsonl).write(to: URL(fileURLWithPath: bodiesPath))

// 1. Python baseline, same run.
let python = Process()
python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../baselines/ledger_append.py").standardized.path
python.arguments = [options.python, script, bodiesPath, options.work + "/python", "--batch", "1000", "--batch", "1",
                    "--limit", String(options.entries), "--limit", String(options.perEntry)]
let pipe = Pipe()
python.standardOutput = pipe
try python.run()
let pythonOutput = pipe.fileHandleForReading.readDataToEndOfFile()
python.waitUntilExit()
let baseline = try JSONSerialization.jsonObject(with: pythonOutput) as! [String: [String: Double]]
let pyBatched = baseline["batch_1000"]!, pyPerEntry = baseline["batch_1"]!

// 2. AgriTrace appends.
let (batchedSeconds, batchedCPU) = try appendAll(try setupLedger("batched.db"), bodies, batch: 1000)
let (perEntrySeconds, perEntryCPU) = try appendAll(try setupLedger("per-entry.db"), Array(bodies.prefix(options.perEntry)), batch: 1)
for (label, count, wall, cpu, py) in [("txn per 1000", bodies.count, batchedSeconds, batchedCPU, pyBatched),
                                      ("txn per entry", options.perEntry, perEntrySeconds, perEntryCPU, pyPerEntry)] {
    let rate = Double(count) / wall, pyRate = py["per_second"]!
    let cpuRate = Double(count) / cpu, pyCPURate = py["per_cpu_second"]!
    print("append, \(label): " + String(format: "AgriTrace %.0f entries/s, Python %.0f entries/s, ratio %.2fx (wall, %d entries); per CPU-second %.0f vs %.0f, ratio %.2fx",
                 rate, pyRate, rate / pyRate, count, cpuRate, pyCPURate, cpuRate / pyCPURate))
}

// 3. Single Ed25519 verification and signing time, same run, one thread.
let message = sample.signedBytes
let verifier = signer.verifier
var ok = true
// Thread CPU time: what one verification costs when it has a core to itself.
var verifyOnce = Double.infinity
for _ in 0..<5 {
    let t0 = threadCPUTime()
    for _ in 0..<2000 { ok = ok && verifier.isValidEntrySignature(sample.signature, for: opaque(message)) }
    verifyOnce = min(verifyOnce, (threadCPUTime() - t0) / 2000)
}
let signOnce = bestTime(minRuns: 3, minSeconds: 0.5) { for _ in 0..<2000 { blackHole(signer.sign(bytes: opaque(message))) } } / 2000
precondition(ok)
print(String(format: "Ed25519 on %d-byte entries: verify %.1f us (thread CPU), sign %.1f us (wall, one thread)", message.count, verifyOnce * 1e6, signOnce * 1e6))

// Where an append's CPU time goes, per entry on one thread (thread CPU time).
func perEntryThreadCPU(_ count: Int, _ body: (Int) throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        let t0 = threadCPUTime()
        for index in 0..<count { try body(index) }
        best = min(best, (threadCPUTime() - t0) / Double(count))
    }
    return best
}
let stageCount = min(2000, bodies.count)
let encodeCost = try perEntryThreadCPU(stageCount) { blackHole(try EncodedBody(bodies[$0])) }
let preEncoded = try bodies.prefix(stageCount).map(EncodedBody.init)
let buildCost = try perEntryThreadCPU(stageCount) {
    blackHole(try LedgerEntry(seq: $0, prev: .zero, recordedAt: "2026-03-01T00:00:00.000Z", encoded: preEncoded[$0], signer: signer))
}
let signCost = perEntryThreadCPU(stageCount) { _ in blackHole(signer.sign(bytes: opaque(message))) }
print(String(format: "per entry, thread CPU: encode body %.1f us; assemble + sign + hash %.1f us (of which Ed25519 sign %.1f us)",
             encodeCost * 1e6, buildCost * 1e6, signCost * 1e6))

// 4. Full verify of a large ledger against the floor.
let big = try setupLedger("verify.db")
let setupSize = try big.size()
let (buildSeconds, buildCPU) = try appendAll(big, (0..<(options.verifyEntries - setupSize)).map(gradingBody), batch: 1000)
print(String(format: "built %d-entry ledger in %.1f s (%.0f entries/s, %.0f per CPU-second)", options.verifyEntries, buildSeconds,
             Double(options.verifyEntries) / buildSeconds, Double(options.verifyEntries) / buildCPU))
try big.signCheckpoint(signer: signer)
let cores = ProcessInfo.processInfo.activeProcessorCount
let verifyStart = now(), verifyCPUStart = cpuTime()
let report = try big.verify(trustedKeys: [signer.verifier], threads: cores)
let verifySeconds = now() - verifyStart, verifyCPU = cpuTime() - verifyCPUStart
precondition(report.isIntact, "\(report.failures)")
let floor = Double(report.entriesChecked) * verifyOnce / Double(cores)
print(String(format: "verify %d entries: %.1f s wall; floor (%d Ed25519 verifications / %d cores) %.1f s; ratio to floor %.2fx",
             report.entriesChecked, verifySeconds, report.entriesChecked, cores, floor, verifySeconds / floor))
print(String(format: "verify CPU: %.1f s over all threads vs %.1f s for the verifications alone: ratio %.2fx (= wall ratio on %d idle cores with perfect parallelism)",
             verifyCPU, floor * Double(cores), verifyCPU / (floor * Double(cores)), cores))

// 5. Inclusion proofs from stored hashes.
let size = try big.size()
var generator = SystemRandomNumberGenerator()
let seqs = (0..<options.proofs).map { _ in Int.random(in: 0..<size, using: &generator) }
let proofStart = now()
for seq in seqs { blackHole(try big.inclusionProof(seq: seq, treeSize: size)) }
let proofSeconds = now() - proofStart
let fileStart = now()
for seq in seqs.prefix(2000) { blackHole(try big.proof(seq: seq).serialized) }
let fileSeconds = (now() - fileStart) / Double(min(2000, seqs.count))
print(String(format: "inclusion proofs at size %d: %.0f proofs/s (%.1f us each); full tlog-proof files: %.1f us each",
             size, Double(seqs.count) / proofSeconds, proofSeconds / Double(seqs.count) * 1e6, fileSeconds * 1e6))
