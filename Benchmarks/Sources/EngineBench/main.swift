// EngineBench: the network engine against ONNX Runtime on the same ONNX models and inputs, in one run.
//
//   swift run -c release --package-path Benchmarks EngineBench [--seconds S] [--out DIR] [--python PYTHON]
//       [--model FILE.agmodel]... [--no-default-model] [--only NAME] [--profile]
//
// Models: Benchmarks/baselines/engine_models.py (plain 4-conv CNN at 96x96, MobileNet-v1 0.5 at
// 128x128), written into DIR (default Benchmarks/out); the bundled default model and every --model
// file, each exported to ONNX by Benchmarks/baselines/pipeline_export_onnx.py so both engines run the
// same network with the same weights. ONNX Runtime runs through
// Benchmarks/baselines/engine_ort.py with intra_op_num_threads 1 and 2. Times are the best of repeated
// runs (wall clock) for both sides, so other work on the machine disturbs them least.
// --only NAME keeps the networks whose name contains NAME (e.g. `default`); --profile also prints, per
// network, every step's best time on one image and one thread (Network.profile).
import BenchSupport
import Foundation
import Kernels
import NeuralNet

struct Options {
    var seconds = 2.0
    var out = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("out")
    var python = "python3"
    var models: [URL] = []
    var defaultModel = true
    var only: String?
    var profile = false

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--seconds": seconds = Double(args[i + 1]) ?? seconds; i += 1
            case "--out": out = URL(fileURLWithPath: args[i + 1]); i += 1
            case "--python": python = args[i + 1]; i += 1
            case "--model": models.append(URL(fileURLWithPath: args[i + 1])); i += 1
            case "--no-default-model": defaultModel = false
            case "--only": only = args[i + 1]; i += 1
            case "--profile": profile = true
            default: fatalError("unknown argument \(args[i])")
            }
            i += 1
        }
    }
}

let options = Options(CommandLine.arguments)
let baselines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("baselines")

func shell(_ arguments: [String]) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    try! p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "failed: \(arguments.joined(separator: " "))")
    return String(decoding: data, as: UTF8.self)
}

func onnxRuntime(_ model: URL, threads: Int, batch: Int, input: URL) -> Double {
    let line = shell([options.python, baselines.appendingPathComponent("engine_ort.py").path, model.path,
                      "--threads", "\(threads)", "--batch", "\(batch)", "--seconds", "\(options.seconds)", "--input", input.path])
    let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    return (object["best_ms"] as! Double) / 1000
}

func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

// FMA peak of one core: 12 independent 8-lane FMAs per iteration.
// Short runs (under a millisecond) so the best one fits in a scheduler time slice on a busy machine.
let peakIterations = 400_000
let peakTime = bestTime(minRuns: 50, minSeconds: 1) { blackHole(fmaPeakLoop(iterations: opaque(peakIterations), seed: 1)) }
let peak = Double(peakIterations * fmaPeakFlopsPerIteration) / peakTime / 1e9
print("kernels: \(KernelISA.active.rawValue); one-core FMA peak \(fmt(peak, 1)) GFLOP/s (fmaPeakLoop)")

_ = shell([options.python, baselines.appendingPathComponent("engine_models.py").path, options.out.path])

struct Row {
    var name: String
    var macs: Int
    var ours1: Double, ort1: Double, ort1x2: Double
    var ours32: Double, ort32: Double
}
var rows: [Row] = []

// (name, ONNX file, the engine's model): the two generated networks, then the .agmodel files exported to ONNX.
var benchmarks: [(name: String, onnx: URL, model: Model)] = try ["plain4_96", "mobilenet_128"].map { name in
    let onnx = options.out.appendingPathComponent("\(name).onnx")
    return (name, onnx, try OnnxImporter.importModel(contentsOf: onnx, labels: (0..<10).map { "class \($0)" }))
}
let bundledModel = baselines.deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources/Grading/Resources/default.agmodel")
for file in (options.defaultModel ? [bundledModel] : []) + options.models {
    let model = try Model.load(contentsOf: file)
    let s = model.inputShape
    let name = (file == bundledModel ? "default" : file.deletingPathExtension().lastPathComponent) + "_\(s.height)"
    let onnx = options.out.appendingPathComponent("\(name).onnx")
    _ = shell([options.python, baselines.appendingPathComponent("pipeline_export_onnx.py").path, file.path, onnx.path])
    benchmarks.append((name, onnx, model))
}

if let only = options.only { benchmarks = benchmarks.filter { $0.name.contains(only) } }

for (name, onnx, model) in benchmarks {
    let network = try Network(model: model)
    let macs = try model.graph.multiplyAccumulates()
    let n = model.inputShape.elementCount, k = network.outputShape.elementCount
    var state: UInt64 = 42
    let inputs: [Float] = (0..<(32 * n)).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000
    }
    let inputFile = options.out.appendingPathComponent("\(name).input.f32")
    try inputs.withUnsafeBytes { try Data($0).write(to: inputFile) }
    var outputs = [Float](repeating: 0, count: 32 * k)
    let one = [network.makeWorkspace()], two = [network.makeWorkspace(), network.makeWorkspace()]

    func time(batch: Int, workspaces: [Workspace]) -> Double {
        inputs.withUnsafeBufferPointer { i in
            outputs.withUnsafeMutableBufferPointer { o in
                bestTime(minRuns: 5, minSeconds: options.seconds) {
                    network.run(batch: opaque(i.baseAddress!), count: batch, outputs: o.baseAddress!, workspaces: workspaces)
                    blackHole(o[0])
                }
            }
        }
    }
    if options.profile {
        let steps = inputs.withUnsafeBufferPointer { network.profile(input: $0.baseAddress!, workspace: one[0], runs: 200) }
        let total = steps.map(\.seconds).reduce(0, +), medianTotal = steps.map(\.medianSeconds).reduce(0, +)
        print("\n\(name): steps on one image, one thread (best and median of 200 runs each); sums \(fmt(total * 1000, 3)) ms"
              + " and \(fmt(medianTotal * 1000, 3)) ms")
        print("| # | step | us (best) | us (median) | % of best | GFLOP/s (best) |")
        print("|---|---|---|---|---|---|")
        for (i, t) in steps.enumerated() {
            let rate = t.multiplyAccumulates > 0 ? fmt(2 * Double(t.multiplyAccumulates) / t.seconds / 1e9, 1) : ""
            print("| \(i) | \(t.step) | \(fmt(t.seconds * 1e6, 1)) | \(fmt(t.medianSeconds * 1e6, 1)) "
                  + "| \(fmt(100 * t.seconds / total, 1)) | \(rate) |")
        }
    }
    let ours1 = time(batch: 1, workspaces: one)
    let ort1 = onnxRuntime(onnx, threads: 1, batch: 1, input: inputFile)
    let ort1x2 = onnxRuntime(onnx, threads: 2, batch: 1, input: inputFile)
    let ours32 = time(batch: 32, workspaces: two)
    let ort32 = onnxRuntime(onnx, threads: 2, batch: 32, input: inputFile)
    rows.append(Row(name: name, macs: macs, ours1: ours1, ort1: ort1, ort1x2: ort1x2, ours32: ours32, ort32: ort32))
    print("\(name): \(macs) MACs/image; latency ours \(fmt(ours1 * 1000, 3)) ms, ORT 1 thread \(fmt(ort1 * 1000, 3)) ms, "
          + "ORT 2 threads \(fmt(ort1x2 * 1000, 3)) ms; batch 32 on 2 threads ours \(fmt(32 / ours32, 1)) img/s, ORT \(fmt(32 / ort32, 1)) img/s")
}

// 3x3 convolutions of the plain network alone, against the FMA peak.
print("\n3x3 convolution kernels (plain4_96 layers, one thread):")
print("| layer | shape | GFLOP/s | % of FMA peak |")
print("|---|---|---|---|")
for (i, (c, size, out)) in [(3, 96, 32), (32, 48, 64), (64, 24, 128), (128, 12, 128)].enumerated() {
    let s = ConvolutionShape(inputHeight: size, inputWidth: size, inputChannels: c, outputChannels: out, kernelHeight: 3,
                             kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
    let packed = packConvolutionWeights((0..<s.weightCount).map { Float($0 % 7) * 0.01 }, shape: s)
    let padded = [Float](repeating: 0.5, count: s.paddedHeight * s.paddedWidth * c)
    let bias = [Float](repeating: 0.1, count: out)
    var output = [Float](repeating: 0, count: s.outputHeight * s.outputWidth * out)
    let t = output.withUnsafeMutableBufferPointer { o in
        bestTime(minRuns: 10, minSeconds: 0.5) {
            convolutionNHWC(shape: s, input: opaque(padded), packedWeights: packed, bias: bias, residual: nil,
                            epilogue: .relu, output: o.baseAddress!)
            blackHole(o[0])
        }
    }
    let gflops = 2 * Double(s.multiplyAccumulates) / t / 1e9
    print("| conv\(i + 1) | \(c)→\(out) at \(size)x\(size) | \(fmt(gflops, 1)) | \(fmt(100 * gflops / peak, 0)) % |")
}

print("\n| network | MACs/image | latency ours (1 thread) | ORT 1 thread | ratio | ours GFLOP/s | ORT 2 threads, batch 1 | throughput ours (batch 32, 2 threads) | ORT (2 threads) | ratio |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows {
    print("| \(r.name) | \(fmt(Double(r.macs) / 1e6, 1)) M | \(fmt(r.ours1 * 1000, 3)) ms | \(fmt(r.ort1 * 1000, 3)) ms | "
          + "\(fmt(r.ours1 / r.ort1)) (goal ≤ 1) | \(fmt(2 * Double(r.macs) / r.ours1 / 1e9, 1)) | \(fmt(r.ort1x2 * 1000, 3)) ms | "
          + "\(fmt(32 / r.ours32, 1)) img/s | \(fmt(32 / r.ort32, 1)) img/s | \(fmt(r.ort32 / r.ours32)) (goal ≥ 1) |")
}
