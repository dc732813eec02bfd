import BenchSupport
import Foundation
import Training

// One training epoch of AgriTrace's trainer against the PyTorch reference
// (Benchmarks/baselines/training_reference.py) in the same run: same photos and split, same
// architecture, batch size and input size, the same thread count. Each side runs one warm-up
// epoch first and times the second. Wall time is the headline; process CPU time is printed too,
// because other work on a shared 2-core machine inflates wall time.
//
// Usage: swift run -c release --package-path Benchmarks TrainingBench [FGRADE_TRAIN_DIR]
//        [--input-size 64] [--batch-size 32] [--threads 2] [--arch compact] [--python python3]
// The data folder defaults to $FGRADE_DIR/train.

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}

let dataPath = CommandLine.arguments.count > 1 && !CommandLine.arguments[1].hasPrefix("--")
    ? CommandLine.arguments[1]
    : (ProcessInfo.processInfo.environment["FGRADE_DIR"].map { $0 + "/train" } ?? "")
guard !dataPath.isEmpty else {
    print("usage: TrainingBench FGRADE_TRAIN_DIR (or set FGRADE_DIR)")
    exit(2)
}
let inputSize = Int(option("--input-size", "64"))!
let batchSize = Int(option("--batch-size", "32"))!
let threads = Int(option("--threads", "2"))!
let architecture = Architecture(rawValue: option("--arch", "compact"))!
let python = option("--python", "python3")

var options = TrainingOptions()
options.architecture = architecture
options.inputSize = inputSize
options.batchSize = batchSize
options.jobs = threads
options.epochs = 2

let folder = try LabelledFolder(root: URL(fileURLWithPath: dataPath))
let split = DatasetSplit.stratifiedByItem(folder, fraction: 0.2, seed: options.seed)
let splitURL = FileManager.default.temporaryDirectory.appendingPathComponent("trainingbench-split-\(getpid()).txt")
try split.text(for: folder, header: ["TrainingBench"]).write(to: splitURL, atomically: true, encoding: .utf8)
defer { try? FileManager.default.removeItem(at: splitURL) }

let decodeStart = now()
let cache = PhotoCache(photos: folder.photos, size: inputSize, jobs: threads, decode: PhotoCache.imagingDecoder)
let decodeSeconds = now() - decodeStart
let trainer = try Trainer(folder: folder, split: split, cache: cache, options: options)
print("TrainingBench: \(architecture.rawValue) \(inputSize)x\(inputSize), batch \(batchSize), \(threads) threads, "
      + "\(trainer.stepsPerEpoch * batchSize) training images per epoch (decode+cache \(String(format: "%.1f", decodeSeconds))s)")

_ = trainer.trainEpoch(1)
let cpuStart = processCPUSeconds(), wallStart = now()
blackHole(trainer.trainEpoch(2))
let oursWall = now() - wallStart, oursCPU = processCPUSeconds() - cpuStart

let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("baselines/training_reference.py").path
let process = Process()
process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
process.arguments = [python, script, "epoch", "--data", dataPath, "--split", splitURL.path, "--input-size", "\(inputSize)",
                     "--batch-size", "\(batchSize)", "--threads", "\(threads)"]
let pipe = Pipe()
process.standardOutput = pipe
try process.run()
let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
process.waitUntilExit()
guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
      let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let torchWall = json["epoch_seconds"] as? Double, let torchCPU = json["epoch_cpu_seconds"] as? Double else {
    print("PyTorch baseline failed:\n\(output)")
    exit(1)
}
let framework = json["framework"] as? String ?? "pytorch"
let imagesPerEpoch = Double(trainer.stepsPerEpoch * batchSize)
func row(_ name: String, _ wall: Double, _ cpu: Double) -> String {
    name.padding(toLength: 26, withPad: " ", startingAt: 0)
        + String(format: "%9.2f s wall  %9.2f s CPU  %7.1f images/s", wall, cpu, imagesPerEpoch / wall)
}
print(row("AgriTrace trainer", oursWall, oursCPU))
print(row(framework, torchWall, torchCPU))
print(String(format: "ratio (PyTorch time / ours; >1 = AgriTrace faster): wall %.2fx, CPU %.2fx (goal: wall >= 1.0x)",
             torchWall / oursWall, torchCPU / oursCPU))
