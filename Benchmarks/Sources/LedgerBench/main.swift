import BenchSupport
import Crypto
import Foundation
import LedgerStore
import MerkleLog

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

/// Grading entries of about 1 KB canonical bytes: six photos with ten scores each.
func gradingBody(_ index: Int) -> EntryBody {
    let lot = "LOT-\(index % lotCount)"
    func hex(_ salt: Int) -> String { HexEncoding.encode(SHA256.hash(data: Array("\(index)-\(salt)".utf8))) }
    let images = (0..<6).map { photo -> GradedImage in
        let scores = (0..<10).map { ($0 * 997 + index + photo) % 1000 }
        return .graded(GradedPhoto(file: "farm-\(index % 17)/IMG_\(20260301 + photo)_\(index).jpg", sha256: hex(photo),
                                   classIndex: (index + photo) % 10, scoresBasisPoints: scores, grade: "Grade I"))
    }
    return .grading(GradingRecord(lotCode: lot, model: hex(100), policy: hex(101), uploadDigest: hex(102), images: images,
                                  lotGrade: "Grade I", distribution: ["Premium": 1, "Grade I": 4, "Grade II": 1], needsReview: 0))
}

func setupLedger(_ name: String) throws -> Ledger {
    let path = options.work + "/" + name
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let ledger = try Ledger.create(at: path, signer: signer)
    var setup: [EntryBody] = [.origin(OriginRecord(originCode: "VN-DT-001", farmID: "farm-1", crop: "tomato"))]
    for lot in 0..<lotCount {
        setup.append(.lot(LotRecord(lotCode: "LOT-\(lot)", originCode: "VN-DT-001", farmID: "farm-1", cooperative: "coop-1",
                                    crop: "tomato", harvestDate: "2026-03-01")))
    }
    try ledger.append(setup, signer: signer)
    return ledger
}

func appendAll(_ ledger: Ledger, _ bodies: [EntryBody], batch: Int) throws -> Double {
    let start = now()
    var index = 0
    while index < bodies.count {
        let end = min(bodies.count, index + batch)
        try ledger.append(Array(bodies[index..<end]), signer: signer)
        index = end
    }
    return now() - start
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
let pyBatched = baseline["batch_1000"]!["per_second"]!, pyPerEntry = baseline["batch_1"]!["per_second"]!

// 2. AgriTrace appends.
let batchedSeconds = try appendAll(try setupLedger("batched.db"), bodies, batch: 1000)
let batchedRate = Double(bodies.count) / batchedSeconds
let perEntrySeconds = try appendAll(try setupLedger("per-entry.db"), Array(bodies.prefix(options.perEntry)), batch: 1)
let perEntryRate = Double(options.perEntry) / perEntrySeconds
print(String(format: "append, txn per 1000: AgriTrace %.0f entries/s, Python %.0f entries/s, ratio %.2fx (%d entries)",
             batchedRate, pyBatched, batchedRate / pyBatched, bodies.count))
print(String(format: "append, txn per entry: AgriTrace %.0f entries/s, Python %.0f entries/s, ratio %.2fx (%d entries)",
             perEntryRate, pyPerEntry, perEntryRate / pyPerEntry, options.perEntry))

// 3. Single Ed25519 verification and signing time, same run, one thread.
let message = sample.signedBytes
let verifier = signer.verifier
var ok = true
let verifyOnce = bestTime(minRuns: 3, minSeconds: 0.5) {
    for _ in 0..<2000 { ok = ok && verifier.isValidEntrySignature(sample.signature, for: opaque(message)) }
} / 2000
let signOnce = bestTime(minRuns: 3, minSeconds: 0.5) { for _ in 0..<2000 { blackHole(signer.sign(bytes: opaque(message))) } } / 2000
precondition(ok)
print(String(format: "Ed25519 on %d-byte entries: verify %.1f us, sign %.1f us (one thread)", message.count, verifyOnce * 1e6, signOnce * 1e6))

// 4. Full verify of a large ledger against the floor.
let big = try setupLedger("verify.db")
let setupSize = try big.size()
let buildSeconds = try appendAll(big, (0..<(options.verifyEntries - setupSize)).map(gradingBody), batch: 1000)
print(String(format: "built %d-entry ledger in %.1f s (%.0f entries/s)", options.verifyEntries, buildSeconds, Double(options.verifyEntries) / buildSeconds))
try big.signCheckpoint(signer: signer)
let cores = ProcessInfo.processInfo.activeProcessorCount
let verifyStart = now()
let report = try big.verify(trustedKeys: [signer.verifier], threads: cores)
let verifySeconds = now() - verifyStart
precondition(report.isIntact, "\(report.failures)")
let floor = Double(report.entriesChecked) * verifyOnce / Double(cores)
print(String(format: "verify %d entries: %.1f s; floor (%d Ed25519 verifications / %d cores) %.1f s; ratio to floor %.2fx",
             report.entriesChecked, verifySeconds, report.entriesChecked, cores, floor, verifySeconds / floor))

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
