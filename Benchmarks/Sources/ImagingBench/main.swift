// ImagingBench: decode throughput of AgriTrace's imaging layer against Pillow and against
// libjpeg-turbo's own C decode, on the same files in the same run, single thread, thread CPU time.
//
//   swift run -c release --package-path Benchmarks ImagingBench [--fgrade DIR] [--small N]
//       [--large N] [--target T] [--passes P]
//
// Inputs: N small FGrade photos (from --fgrade or $FGRADE_DIR), and 12-megapixel JPEGs that the
// Pillow baseline script makes at run time in a temporary folder (deleted afterwards).
import BenchSupport
import Foundation
import Imaging

struct Options {
    var fgrade = ProcessInfo.processInfo.environment["FGRADE_DIR"]
    var small = 300
    var large = 4
    var target = 96
    var passes = 5
    /// Time only AgriTrace's fast path on the small photos (for a profiler); no baselines.
    var profile = false

    init(_ arguments: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fail("missing value for \(arguments[i - 1])") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--fgrade": fgrade = value()
            case "--small": small = Int(value()) ?? small
            case "--large": large = Int(value()) ?? large
            case "--target": target = Int(value()) ?? target
            case "--passes": passes = Int(value()) ?? passes
            case "--profile": profile = true
            default: fail("unknown argument \(arguments[i])")
            }
            i += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ImagingBench: \(message)\n".utf8))
    exit(2)
}

func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Best pass over all blobs, in thread CPU seconds.
func bestPass(_ passes: Int, _ blobs: [Data], _ body: (Data) throws -> RGBImage) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<passes {
        let start = threadCPUSeconds()
        for blob in blobs { blackHole(try body(opaque(blob))) }
        best = min(best, threadCPUSeconds() - start)
    }
    return best
}

@discardableResult
func run(_ executable: String, _ arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { fail("cannot run \(executable): \(error)") }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fail("\(executable) \(arguments.prefix(2)) failed") }
    return String(decoding: output, as: UTF8.self)
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
guard let fgrade = options.fgrade else { fail("give --fgrade DIR or set FGRADE_DIR (the FGrade train folder)") }
let baselines = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../baselines").standardized
let pillowScript = baselines.appendingPathComponent("imaging_pillow.py").path

let fgradeRoot = URL(fileURLWithPath: fgrade)
guard let enumerator = FileManager.default.enumerator(atPath: fgradeRoot.path) else { fail("cannot list \(fgrade)") }
let allPhotos = enumerator.compactMap { $0 as? String }.filter { $0.lowercased().hasSuffix(".jpg") }.sorted()
guard !allPhotos.isEmpty else { fail("no .jpg files under \(fgrade)") }
let step = max(1, allPhotos.count / options.small)
let smallPaths = stride(from: 0, to: allPhotos.count, by: step).prefix(options.small)
    .map { fgradeRoot.appendingPathComponent(allPhotos[$0]).path }

if options.profile {
    let blobs = try smallPaths.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    let best = try bestPass(options.passes, blobs) {
        try ImageDecoder.decode(data: $0, fileName: "bench.jpg", targetWidth: options.target, targetHeight: options.target)
    }
    print("fast path, small photos: \(String(format: "%.0f", Double(blobs.count) / best)) images/s")
    for (sw, sh) in [(140, 100), (500, 375)] {
        let image = RGBImage(width: sw, height: sh, pixels: (0..<(sw * sh * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var bestResize = Double.infinity
        for _ in 0..<options.passes {
            let start = threadCPUSeconds()
            for _ in 0..<200 { blackHole(AreaResize.resize(opaque(image), width: options.target, height: options.target)) }
            bestResize = min(bestResize, (threadCPUSeconds() - start) / 200)
        }
        print("resize \(sw)x\(sh) -> \(options.target)x\(options.target): \(String(format: "%.1f", bestResize * 1e6)) us")
    }
    exit(0)
}

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("imagingbench-\(getpid())")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: scratch) }

print("ImagingBench: single thread, thread CPU time, best of \(options.passes) passes; target \(options.target)x\(options.target)")
print("making \(options.large) 12-MP JPEGs in a temporary folder ...")
let largeJSON = run("python3", [pillowScript, "make-large", scratch.path, String(options.large)] + Array(smallPaths.prefix(options.large)))
let largePaths = try JSONDecoder().decode([String].self, from: Data(largeJSON.utf8))

print("compiling the libjpeg C baseline ...")
let cBaseline = scratch.appendingPathComponent("libjpeg_decode").path
run("cc", ["-O2", baselines.appendingPathComponent("imaging_libjpeg_decode.c").path, "-ljpeg", "-o", cBaseline])

var table: [(set: String, what: String, ours: Double, baseline: String, theirs: Double, megapixels: Double, count: Int)] = []

for (setName, paths) in [("small FGrade photos", smallPaths), ("12-MP JPEGs", largePaths)] {
    let blobs = try paths.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    let infos = try zip(blobs, paths).map { try ImageDecoder.probe(data: $0, fileName: $1) }
    let megapixels = infos.reduce(0.0) { $0 + Double($1.storedWidth * $1.storedHeight) } / 1e6
    let passes = setName.hasPrefix("12") ? max(2, options.passes / 2) : options.passes
    let bytes = blobs.reduce(0) { $0 + $1.count }
    print("\n\(setName): \(blobs.count) files, \(String(format: "%.2f", megapixels / Double(blobs.count))) MP and \(bytes / blobs.count / 1024) KiB on average")

    let oursFast = try bestPass(passes, blobs) {
        try ImageDecoder.decode(data: $0, fileName: "bench.jpg", targetWidth: options.target, targetHeight: options.target)
    }
    let oursFull = try bestPass(passes, blobs) { try ImageDecoder.decode(data: $0, fileName: "bench.jpg") }
    let pillowJSON = run("python3", [pillowScript, "bench", String(options.target), String(passes)] + paths)
    let pillow = try JSONDecoder().decode([String: Double].self, from: Data(pillowJSON.utf8))
    let cScaled = Double(run(cBaseline, [String(options.target), String(passes)] + paths)
        .trimmingCharacters(in: .whitespacesAndNewlines))!
    let cFull = Double(run(cBaseline, ["0", String(passes)] + paths).trimmingCharacters(in: .whitespacesAndNewlines))!

    let fast = "scaled decode + resize to \(options.target)x\(options.target)"
    table.append((setName, fast, oursFast, "Pillow draft() + BOX resize", pillow["draft_box"]!, megapixels, blobs.count))
    table.append((setName, fast, oursFast, "Pillow full decode + BOX resize", pillow["full_box"]!, megapixels, blobs.count))
    table.append((setName, fast, oursFast, "Pillow draft() + default (bicubic) resize", pillow["draft_default"]!, megapixels, blobs.count))
    table.append((setName, fast, oursFast, "libjpeg C decode at the same scale (no resize)", cScaled, megapixels, blobs.count))
    table.append((setName, "full decode", oursFull, "Pillow full decode", pillow["full"]!, megapixels, blobs.count))
    table.append((setName, "full decode", oursFull, "libjpeg C full decode", cFull, megapixels, blobs.count))
}

print("\n| input | AgriTrace | images/s | MP/s | baseline | images/s | ratio |")
print("|---|---|---|---|---|---|---|")
for row in table {
    let ours = Double(row.count) / row.ours, theirs = Double(row.count) / row.theirs
    print("| \(row.set) | \(row.what) | \(String(format: "%.0f", ours)) | \(String(format: "%.0f", row.megapixels / row.ours)) | \(row.baseline) | \(String(format: "%.0f", theirs)) | \(String(format: "%.2f", ours / theirs))x |")
}
