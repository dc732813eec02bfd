// PipelineBench: the whole grading job (upload -> decode -> classify -> lot grades -> signed,
// Merkle-logged ledger entries) on two uploads, side by side with a Python baseline doing the same
// job the way a user would write it, and with the decode-bound limit, all in the same run.
//
//   swift run -c release --package-path Benchmarks PipelineBench [--fgrade DIR] [--model FILE]
//       [--work DIR] [--small N] [--large N] [--jobs N] [--runs N] [--synthetic-model]
//
// FGrade's training folder comes from --fgrade or the FGRADE_DIR environment variable. The model is
// --model, else the default model bundled with AgriTrace; --synthetic-model uses a plain 4-conv
// network at 96x96 with seeded random weights instead. Uploads are generated into --work
// (default Benchmarks/out/pipeline) on first use: (a) N small FGrade photos (default 1,000),
// (b) M generated 12-megapixel JPEGs (default 500). Needs python3 with Benchmarks/requirements.txt
// and a C compiler with libjpeg (for the decode-bound limit).
//
// Each AgriTrace run is a child process grading into a fresh ledger with a fresh key, so its peak
// memory (max RSS) is its own; the Python baseline reports its main process and its largest worker.
import BenchSupport
import Foundation
import Grading
import LedgerStore
import MerkleLog
import Provenance
import NeuralNet

let benchmarksDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let baselinesDir = benchmarksDir.appendingPathComponent("baselines")

// MARK: - Child mode: grade one upload into a fresh ledger and print a JSON line.

func gradeOne(upload: String, model: String, ledgerDir: String, jobs: Int) throws {
    let started = now()
    try? FileManager.default.removeItem(atPath: ledgerDir)
    try FileManager.default.createDirectory(atPath: ledgerDir, withIntermediateDirectories: true)
    let signer = try NoteSigner.generate(name: "bench.example/ledger")
    let ledger = try Ledger.createProvenance(at: ledgerDir + "/bench.db", signer: signer)
    let classifier = try ModelPhotoClassifier(contentsOf: URL(fileURLWithPath: model))
    let grader = BatchGrader(classifier: classifier, policy: try GradingPolicy.bundledDefault(),
                             ledger: LedgerGradingStore(ledger: ledger, signer: signer),
                             options: .init(jobs: jobs, registerOrigins: true, cooperative: "BENCH"))
    let summary = try grader.grade(try Upload(url: URL(fileURLWithPath: upload)))
    let seconds = now() - started
    let photos = summary.photosGraded + summary.unreadable.count
    print("{\"photos\": \(photos), \"seconds\": \(seconds), \"photos_per_second\": \(Double(photos) / seconds), "
          + "\"entries\": \(summary.ledger.entriesWritten), \"tree_size\": \(summary.ledger.treeSize)}")
}

// MARK: - Running children with their peak memory

struct ChildResult {
    let status: Int32
    let output: String
    let maxRSSKiB: Int
    let seconds: Double
    /// User + system CPU time of the child and every descendant it waited for (pool workers).
    let cpuSeconds: Double
}

/// Runs `arguments[0]` (found on PATH) with stdout captured; peak RSS from `wait4`.
func runChild(_ arguments: [String]) throws -> ChildResult {
    var pipe: [Int32] = [0, 0]
    guard Glibc.pipe(&pipe) == 0 else { throw BenchError("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipe[0])
    var pid: pid_t = 0
    let cArguments = arguments.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    let started = now()
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, cArguments, environ)
    posix_spawn_file_actions_destroy(&actions)
    close(pipe[1])
    guard spawned == 0 else { close(pipe[0]); throw BenchError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))") }
    var output = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(pipe[0], &buffer, buffer.count)
        if count <= 0 { break }
        output.append(contentsOf: buffer[0..<count])
    }
    close(pipe[0])
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    return ChildResult(status: exitStatus, output: String(decoding: output, as: UTF8.self),
                       maxRSSKiB: usage.ru_maxrss, seconds: now() - started, cpuSeconds: cpu)
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func json(_ text: String) throws -> [String: Any] {
    guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
          let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw BenchError("no JSON result in output: \(text.suffix(500))")
    }
    return object
}

func checked(_ result: ChildResult, _ what: String) throws -> ChildResult {
    guard result.status == 0 || result.status == 1 else {
        throw BenchError("\(what) exited with status \(result.status): \(result.output.suffix(800))")
    }
    return result
}

// MARK: - A stand-in model

/// A plain 4-conv network at 96x96 with seeded random weights (the shape of network the engine
/// benchmark uses), for running this benchmark before a trained model exists.
func syntheticModel() throws -> Model {
    var state: UInt64 = 0x5EED
    func random(_ count: Int, scale: Float) -> [Float] {
        (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }
    var graph = Graph(input: TensorShape(channels: 3, height: 96, width: 96))
    var x = graph.input
    var channels = 3
    for out in [16, 32, 64, 64] {
        x = graph.convolution(x, Convolution(outputChannels: out, kernel: 3, padding: 1,
                                             weights: random(out * channels * 9, scale: (2 / Float(channels * 9)).squareRoot()),
                                             bias: random(out, scale: 0.01)))
        x = graph.activation(x, .relu)
        x = graph.maxPool(x, Pooling(kernel: 2, stride: 2))
        channels = out
    }
    x = graph.flatten(graph.globalAveragePool(x))
    x = graph.dense(x, Dense(outputFeatures: 10, weights: random(10 * channels, scale: 0.1), bias: random(10, scale: 0.01)))
    graph.output = graph.softmax(x)
    return try Model(graph: graph, normalization: InputNormalization(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]),
                     labels: (0..<10).map(String.init), metadata: ["purpose": "PipelineBench stand-in, random weights"])
}

// MARK: - Main

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func mebibytes(_ kib: Int) -> String { String(format: "%.0f MiB", Double(kib) / 1024) }

func main() throws {
    let arguments = CommandLine.arguments
    if arguments.count == 6, arguments[1] == "--grade-one" {
        try gradeOne(upload: arguments[2], model: arguments[3], ledgerDir: arguments[4], jobs: Int(arguments[5])!)
        return
    }
    guard let fgrade = option("--fgrade") ?? ProcessInfo.processInfo.environment["FGRADE_DIR"] else {
        throw BenchError("give FGrade's training folder with --fgrade DIR or FGRADE_DIR")
    }
    let work = option("--work") ?? benchmarksDir.appendingPathComponent("out/pipeline").path
    let small = Int(option("--small") ?? "1000")!, large = Int(option("--large") ?? "500")!
    let jobs = Int(option("--jobs") ?? "2")!, runs = Int(option("--runs") ?? "2")!
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

    var model = option("--model") ?? BundledResources.defaultModelURL.path
    if arguments.contains("--synthetic-model") {
        model = work + "/synthetic.agmodel"
        try syntheticModel().write(to: URL(fileURLWithPath: model))
    }
    let loaded = try Model.load(contentsOf: URL(fileURLWithPath: model))
    let policy = try GradingPolicy.bundledDefault()
    let shape = loaded.inputShape
    print("PipelineBench: model \(loaded.id.prefix(16)) (\(shape.width)x\(shape.height) input), \(jobs) jobs, best of \(runs) runs")

    print("Preparing uploads in \(work) (generated on first use) ...")
    _ = try checked(runChild(["python3", baselinesDir.appendingPathComponent("pipeline_make_uploads.py").path, fgrade, work,
                              "--small", String(small), "--large", String(large)]), "upload generator")
    let floorBinary = work + "/pipeline_decode_floor"
    _ = try checked(runChild(["cc", "-O2", "-o", floorBinary, baselinesDir.appendingPathComponent("pipeline_decode_floor.c").path,
                              "-ljpeg"]), "cc")
    let onnxModel = work + "/model.onnx", modelInfo = work + "/model.json"
    _ = try checked(runChild(["python3", baselinesDir.appendingPathComponent("pipeline_export_onnx.py").path, model, onnxModel,
                              "--info", modelInfo]), "ONNX export")
    let info = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: modelInfo))) as! [String: Any]

    var rows: [String] = []
    for (name, count) in [("small", small), ("large", large)] where count > 0 {
        let upload = work + "/" + name
        let photos = try FileManager.default.contentsOfDirectory(atPath: upload).filter { $0.hasSuffix(".jpg") }.sorted()
            .map { upload + "/" + $0 }

        // Two rates per program: wall clock (what a user sees on this machine now), and photos per
        // CPU-second times the cores used (what the job does with two whole cores, robust to other
        // work on a shared machine; comparable with the decode-bound limit, which is CPU time too).
        var ours = (wall: 0.0, cpu: 0.0, rss: 0)
        var python = (wall: 0.0, cpu: 0.0, mainRSS: 0, workerRSS: 0)
        for run in 0..<runs {
            let result = try checked(runChild([CommandLine.arguments[0], "--grade-one", upload, model,
                                               work + "/ledger-\(name)", String(jobs)]), "AgriTrace")
            let rate = try json(result.output)["photos_per_second"] as! Double
            let cpuRate = Double(photos.count) / result.cpuSeconds * Double(jobs)
            ours = (max(ours.wall, rate), max(ours.cpu, cpuRate), max(ours.rss, result.maxRSSKiB))
            let sqlite = work + "/python-\(name).sqlite"
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlite + suffix) }
            var baseline = ["python3", baselinesDir.appendingPathComponent("pipeline_baseline.py").path, upload, onnxModel, sqlite,
                            "--width", String(shape.width), "--height", String(shape.height),
                            "--mean", (info["mean"] as! [Double]).map { String($0) }.joined(separator: ","),
                            "--std", (info["std"] as! [Double]).map { String($0) }.joined(separator: ","),
                            "--class-grades", policy.classGrades.joined(separator: ","), "--workers", String(jobs)]
            if !(info["outputs_probabilities"] as! Bool) { baseline.append("--softmax") }
            let pyResult = try checked(runChild(baseline), "Python baseline")
            let py = try json(pyResult.output)
            let pyRate = py["photos_per_second"] as! Double
            let pyCPURate = Double(photos.count) / pyResult.cpuSeconds * Double(jobs)
            python = (max(python.wall, pyRate), max(python.cpu, pyCPURate),
                      max(python.mainRSS, py["peak_rss_main_kib"] as! Int), max(python.workerRSS, py["peak_rss_worker_kib"] as! Int))
            print("  \(name) run \(run + 1): AgriTrace \(String(format: "%.1f", rate)) photos/s wall, \(String(format: "%.1f", cpuRate)) per \(jobs) CPU-s; "
                  + "Python \(String(format: "%.1f", pyRate)) wall, \(String(format: "%.1f", pyCPURate)) per \(jobs) CPU-s")
        }
        // The decode-bound limit: libjpeg-turbo's own scaled decode at the same DCT scale, one
        // thread (CPU time), times the number of cores used.
        var floorRate = 0.0
        for _ in 0..<runs {
            let floor = try json(try checked(runChild([floorBinary, String(shape.width), String(shape.height)] + photos), "decode floor").output)
            floorRate = max(floorRate, floor["images_per_second"] as! Double)
        }
        let limit = floorRate * Double(jobs)
        print("  \(name): decode-bound limit \(String(format: "%.1f", limit)) photos/s (\(jobs) x \(String(format: "%.1f", floorRate)) single-thread)")
        let label = name == "small" ? "\(count) FGrade photos (~20 KB)" : "\(count) generated 12-MP JPEGs (~3.8 MB)"
        rows.append("| \(label) | \(String(format: "%.1f", ours.cpu)) (wall \(String(format: "%.1f", ours.wall))), peak \(mebibytes(ours.rss)) "
                    + "| \(String(format: "%.1f", python.cpu)) (wall \(String(format: "%.1f", python.wall))), peak \(mebibytes(python.mainRSS)) + \(jobs) x \(mebibytes(python.workerRSS)) "
                    + "| \(String(format: "%.2f", ours.cpu / python.cpu))x (wall \(String(format: "%.2f", ours.wall / python.wall))x) "
                    + "| \(String(format: "%.0f", 100 * ours.cpu / limit)) % of \(String(format: "%.1f", limit)) |")
    }
    print("")
    print("Rates in photos/s: photos per CPU-second x \(jobs) cores (wall-clock rate in brackets).")
    print("| upload | AgriTrace (\(jobs) jobs) | Python baseline (\(jobs) workers) | ratio | AgriTrace vs decode-bound limit |")
    print("|---|---|---|---|---|")
    rows.forEach { print($0) }
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("PipelineBench: \(error)\n".utf8))
    exit(1)
}
