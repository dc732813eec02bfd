import BenchSupport
import Foundation
import LedgerStore
import MerkleLog
import Provenance
import PublicServer
import Traceability

// ServeBench: the fixture side of `Benchmarks/serve_bench.sh` (wrk against `serve` and nginx).
//
//   ServeBench make --entries 1000000 --out L.db     a ledger of signed origin/lot/grading entries in
//                                                      batched transactions, then a checkpoint with lot statements
//   ServeBench paths --ledger L.db --out DIR           request paths for wrk (lot pages, tiles) and the same
//                                                      tiles as static files under DIR/www for nginx
//   ServeBench serve --ledger L.db --port P            the public server (`agritrace serve`'s code), in-process
//   ServeBench append --ledger L.db --per-second R     what `grade` writes: a lot + grading entry pair R times a second

let signer = try NoteSigner(name: "bench.example/ledger", seed: [UInt8](repeating: 7, count: 32))
let lotsPerOrigin = 100

func value(_ flag: String, default fallback: String? = nil) -> String {
    let args = CommandLine.arguments
    if let index = args.firstIndex(of: flag), index + 1 < args.count { return args[index + 1] }
    guard let fallback else { fatalError("\(flag) is required") }
    return fallback
}

func originRecord(_ index: Int) -> ProvenanceRecord {
    .origin(OriginRecord(originCode: "VN-DT-\(index)", farmID: "farm-\(index)", farmName: "Nông trại số \(index)",
                         commune: "Tân Phú", district: "Cai Lậy", province: "Đồng Tháp", crop: "cà chua"))
}

func lotRecords(_ lot: Int, origin: Int? = nil) -> [ProvenanceRecord] {
    let origin = origin ?? lot / lotsPerOrigin
    let code = "DT-\(lot)"
    let hex = String(repeating: "ab", count: 32)
    let photos = (0..<3).map { index in
        GradedImage.graded(GradedPhoto(file: "IMG_\(lot)_\(index).jpg", sha256: hex, classIndex: index,
                                       scoresBasisPoints: [8000, 1000, 500, 500, 0, 0, 0, 0, 0, 0], grade: "Premium"))
    }
    return [.lot(LotRecord(lotCode: code, originCode: "VN-DT-\(origin)", farmID: "farm-\(origin)", cooperative: "HTX Lai Vung",
                           crop: "cà chua", harvestDate: "2026-11-03", quantityGrams: 500_000, gtin: nil, uploadDigest: nil)),
            .grading(GradingRecord(lotCode: code, model: hex, policy: String(repeating: "cd", count: 32), uploadDigest: nil,
                                   images: photos, lotGrade: "Premium", distribution: ["Premium": 3], needsReview: 0))]
}

switch CommandLine.arguments.dropFirst().first {
case "make":
    let entries = Int(value("--entries"))!, path = value("--out")
    let start = now()
    let ledger = try Ledger.createProvenance(at: path, signer: signer)
    var lot = 0, origins = 0
    var batch = [ProvenanceRecord]()
    while try ledger.size() + batch.count < entries {
        if lot % lotsPerOrigin == 0 { batch.append(originRecord(origins)); origins += 1 }
        batch += lotRecords(lot)
        lot += 1
        if batch.count >= 5_000 {
            try ledger.append(batch, signer: signer)
            batch = []
            if lot % 50_000 < 2_500 { print(String(format: "%d entries, %.0f s", try ledger.size(), now() - start)) }
        }
    }
    if !batch.isEmpty { try ledger.append(batch, signer: signer) }
    let (stored, statements) = try LotStatements.signCheckpoint(ledger: ledger, signer: signer)
    print(String(format: "made %@: %d entries (%d origins, %d lots), checkpoint + %d lot statements, %.0f s",
                 path, stored.checkpoint.size, origins, lot, statements, now() - start))
case "paths":
    let ledger = try Ledger(provenanceAt: value("--ledger"), readOnly: true)
    let out = value("--out"), count = Int(value("--count", default: "2000"))!
    // The fixture's lots are DT-0 ..< DT-lots (appended ones start at DT-10000000): found by
    // bisection, as appends make the size overstate them.
    let size = try ledger.size()
    var lots = 0, above = size / 2 + 1
    while lots + 1 < above {
        let middle = (lots + above) / 2
        if try ledger.isLotRegistered("DT-\(middle)") { lots = middle } else { above = middle }
    }
    var generator = SystemRandomNumberGenerator()
    let lotPaths = (0..<count).map { _ in "/lot/DT-\(Int.random(in: 0..<lots, using: &generator))" }
    // Full tiles only (immutable; what mirrors fetch): level-0 hash tiles, level-1 tiles and entry bundles.
    var tilePaths = [String]()
    let www = out + "/www"
    for _ in 0..<count {
        let kind = Int.random(in: 0..<3, using: &generator)
        let full = kind == 1 ? size >> 16 : size >> 8
        let index = Int.random(in: 0..<full, using: &generator)
        let path = "/tile/" + (kind == 0 ? "0/" : kind == 1 ? "1/" : "entries/") + encodeTileIndex(index)
        tilePaths.append(path)
        let file = www + path
        guard !FileManager.default.fileExists(atPath: file) else { continue }
        let bytes: [UInt8]
        switch kind {
        case 0: bytes = try ledger.storedNodeHashes(level: 0, first: index * 256, count: 256).flatMap(\.bytes)
        case 1: bytes = try ledger.storedNodeHashes(level: 8, first: index * 256, count: 256).flatMap(\.bytes)
        default:
            bytes = try ledger.storedEntryBytes(seqs: index * 256..<index * 256 + 256).flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xff)] + $0 }
        }
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }
    try (lotPaths.joined(separator: "\n") + "\n").write(toFile: out + "/lot-paths.txt", atomically: true, encoding: .utf8)
    try (tilePaths.joined(separator: "\n") + "\n").write(toFile: out + "/tile-paths.txt", atomically: true, encoding: .utf8)
    print("paths: \(count) lot pages, \(count) tiles (\(size) entries) in \(out)")
case "serve":
    let options = LedgerServer.Options(ledgerPath: value("--ledger"), host: "127.0.0.1", port: Int(value("--port"))!,
                                       trust: TrustList(logKeys: [signer.verifier]))
    try LedgerServer.runBlocking(options) { port in print("serving on 127.0.0.1:\(port)"); fflush(nil) }
case "append":
    let ledger = try Ledger(provenanceAt: value("--ledger"))
    let rate = Double(value("--per-second", default: "20"))!
    // New lot codes above the fixture's and above those of earlier runs on the same ledger
    // (each run appends fewer lots than the ledger has entries).
    var lot = 10_000_000 + (try ledger.size()), appended = 0
    let start = now()
    while true {
        // From an origin the fixture registered.
        try ledger.append(lotRecords(lot, origin: 0), signer: signer)
        lot += 1
        appended += 2
        if appended % 200 == 0 { print(String(format: "appended %d entries in %.0f s", appended, now() - start)); fflush(nil) }
        let due = start + Double(appended / 2) / rate
        if due > now() { usleep(useconds_t((due - now()) * 1e6)) }
    }
default:
    print("usage: ServeBench make|paths|serve|append ... (see the top of main.swift)")
    exit(2)
}

func encodeTileIndex(_ index: Int) -> String {
    var parts = [String(format: "%03d", index % 1000)]
    var rest = index / 1000
    while rest > 0 {
        parts.insert("x" + String(format: "%03d", rest % 1000), at: 0)
        rest /= 1000
    }
    return parts.joined(separator: "/")
}
