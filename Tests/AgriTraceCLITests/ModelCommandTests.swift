@testable import AgriTraceCLI
import Foundation
import Kernels
import NeuralNet
import Testing
import TestSupport

/// End-to-end: the built binary imports the ONNX fixtures, describes them, and reproduces ONNX
/// Runtime's committed outputs through `model run`.
@Suite struct ModelCommandTests {
    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    @Test(arguments: ["plain_cnn", "mobile_block"])
    func importInfoAndRunMatchOnnxRuntime(name: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = dir.url.appendingPathComponent("\(name).agmodel").path
        let imported = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/\(name).onnx").path,
                                                "--labels", FixtureFiles.url("onnx/\(name).labels.txt").path, "--out", model])
        #expect(imported.status == 0, "\(imported.stderr)")
        let id = Self.sha256(path: model)

        let info = try AgriTraceBinary.run(["model", "info", model])
        #expect(info.status == 0)
        #expect(info.stdout.contains("id \(id)"), "\(info.stdout)")
        #expect(info.stdout.contains("multiply-accumulates per image") && info.stdout.contains("parameters"))

        for jobs in ["1", "2"] {
            let out = dir.url.appendingPathComponent("out\(jobs).f32").path
            let run = try AgriTraceBinary.run(["model", "run", model, "--input", FixtureFiles.url("onnx/\(name).input.f32").path,
                                               "--output", out, "--jobs", jobs])
            #expect(run.status == 0, "\(run.stderr)")
            let got = Self.floats(try Data(contentsOf: URL(fileURLWithPath: out)))
            let want = Self.floats(try FixtureFiles.data("onnx/\(name).ort.f32"))
            let mismatch = TensorComparison.firstMismatch(expected: want, actual: got, absoluteTolerance: 1e-4,
                                                          context: "\(name) model run --jobs \(jobs)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
        #expect(try Data(contentsOf: dir.url.appendingPathComponent("out1.f32")) == Data(contentsOf: dir.url.appendingPathComponent("out2.f32")))
    }

    /// Every build this machine can run (the portable one included: what a CPU without AVX2 runs), forced
    /// through AGRITRACE_KERNELS, gives ONNX Runtime's outputs through the whole pipeline and is
    /// the one `model bench --json` names; a build it cannot run, or no build at all, is refused with status 2
    /// before any work (a missing instruction set would otherwise kill the process mid-run).
    @Test func forcedKernelBuildsRunOrAreRefusedUpFront() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = dir.url.appendingPathComponent("m.agmodel").path
        _ = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/mobile_block.onnx").path,
                                     "--labels", FixtureFiles.url("onnx/mobile_block.labels.txt").path, "--out", model])
        for isa in KernelISA.allCases {
            let environment = [KernelISA.environmentVariable: isa.rawValue]
            let bench = try AgriTraceBinary.run(["model", "bench", model, "--seconds", "0.05", "--json"], environment: environment)
            guard KernelISA.isSupported(isa) else {
                #expect(bench.status == 2, "\(isa): \(bench.stderr)")
                #expect(bench.stderr.contains("cannot run the \(isa.rawValue) kernels") && bench.stdout.isEmpty, "\(bench.stderr)")
                continue
            }
            #expect(bench.stdout.contains("\"kernels\":\"\(isa.rawValue)\""), "\(bench.stdout)")
            let out = dir.url.appendingPathComponent("\(isa).f32").path
            let run = try AgriTraceBinary.run(["model", "run", model, "--input", FixtureFiles.url("onnx/mobile_block.input.f32").path,
                                               "--output", out], environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            let mismatch = TensorComparison.firstMismatch(
                expected: Self.floats(try FixtureFiles.data("onnx/mobile_block.ort.f32")),
                actual: Self.floats(try Data(contentsOf: URL(fileURLWithPath: out))), absoluteTolerance: 1e-4,
                context: "mobile_block with AGRITRACE_KERNELS=\(isa)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
        let unknown = try AgriTraceBinary.run(["model", "bench", model, "--json"], environment: [KernelISA.environmentVariable: "sse2"])
        #expect(unknown.status == 2 && unknown.stderr.contains("names no kernel build"), "\(unknown.stderr)")
    }

    @Test func importRefusesUnsupportedNodesWithStatus2() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/unsupported.onnx").path,
                                              "--labels", FixtureFiles.url("onnx/unsupported.labels.txt").path,
                                              "--out", dir.url.appendingPathComponent("x.agmodel").path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Erf") && result.stderr.contains("Softplus"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("x.agmodel").path))
    }

    /// Bad labels and normalisation are named where they are: the labels file and its line, or
    /// the option; nothing is written. Trailing blank lines are fine.
    @Test func importNamesTheLabelsFileOrOptionThatIsWrong() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let onnx = FixtureFiles.url("onnx/mobile_block.onnx").path
        let out = dir.url.appendingPathComponent("x.agmodel").path
        let good = (0..<7).map { "class \($0)" }
        func importing(labels: [String], _ options: [String] = []) throws -> CommandResult {
            let file = dir.url.appendingPathComponent("labels.txt")
            try labels.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            return try AgriTraceBinary.run(["model", "import", onnx, "--labels", file.path, "--out", out] + options)
        }
        let cases: [([String], [String], String)] = [
            (Array(good.prefix(6)), [], "labels.txt: 6 labels for the network's 7 outputs"),
            (good + ["class 7"], [], "labels.txt: 8 labels for the network's 7 outputs"),
            (Array(good.prefix(3)) + [""] + Array(good.suffix(4)), [], "labels.txt: line 4 is empty"),
            (Array(good.prefix(6)) + ["class 2"], [], "labels.txt: line 7 repeats the label of line 3"),
            (Array(good.prefix(6)) + ["bad\u{1B}[31m"], [], "labels.txt: line 7: label 'bad"),
            (Array(good.prefix(6)) + [String(repeating: "x", count: 5_000)], [], "labels.txt: line 7: label"),
            (good, ["--std=1e-40,0.2,0.2"], "--std: 1e-40 is outside"),
            (good, ["--std", "0.2,0.2,100000"], "--std: 100000.0 is outside"),
            (good, ["--mean", "123.675,116.28,103.53"], "--mean: 123.675 is outside"),
            (good, ["--mean", "0.5,0.5,"], "--mean needs 3 comma-separated numbers"),
        ]
        for (labels, options, expected) in cases {
            let result = try importing(labels: labels, options)
            #expect(result.status == 2 && result.stderr.contains(expected), "\(expected): \(result.stderr)")
            #expect(result.stderr.utf8.count < 1_000, "a long label is not echoed in full")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        let trailing = try importing(labels: good + ["", "  ", ""])
        #expect(trailing.status == 0, "\(trailing.stderr)")
        let small = try importing(labels: good, ["--mean", "0,0,0", "--std", "0.00392,0.00392,0.00392"])
        #expect(small.status == 0, "a model of 0...255 inputs: \(small.stderr)")
    }

    /// `model info` shows both strides when they differ, and pooling windows' padding.
    @Test func infoDescribesStridesAndPaddingOfEachWindow() {
        let conv = Convolution(outputChannels: 2, kernelHeight: 3, kernelWidth: 5, strideY: 1, strideX: 2, padTop: 1, padLeft: 2,
                               padBottom: 0, padRight: 2, groups: 1, weights: [Float](repeating: 0, count: 2 * 3 * 15), bias: nil)
        #expect(ModelCommand.InfoModel.describe(.convolution(conv)) == "Conv 3x5 stride 1x2 pad 1,2,0,2")
        let pool = Pooling(kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
                           countIncludePad: true)
        #expect(ModelCommand.InfoModel.describe(.maxPool(pool)) == "MaxPool 3x3 stride 2 pad 1,1,1,1")
        #expect(ModelCommand.InfoModel.describe(.averagePool(pool)) == "AveragePool 3x3 stride 2 pad 1,1,1,1 counting padding")
    }

    @Test func runRejectsPartialTensorsAndBadModels() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = dir.url.appendingPathComponent("m.agmodel").path
        _ = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/plain_cnn.onnx").path,
                                     "--labels", FixtureFiles.url("onnx/plain_cnn.labels.txt").path, "--out", model])
        let partial = dir.url.appendingPathComponent("partial.f32")
        try Data(count: 100).write(to: partial)
        let run = try AgriTraceBinary.run(["model", "run", model, "--input", partial.path, "--output", dir.url.appendingPathComponent("o").path])
        #expect(run.status == 2 && run.stderr.contains("not a whole number"), "\(run.stderr)")

        let garbage = dir.url.appendingPathComponent("garbage.agmodel")
        try Data("definitely not a model".utf8).write(to: garbage)
        let info = try AgriTraceBinary.run(["model", "info", garbage.path])
        #expect(info.status == 2 && info.stderr.contains("wrong magic") && info.stderr.contains("garbage.agmodel"), "\(info.stderr)")
    }

    @Test func benchPrintsLatencyAndThroughputJSON() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = dir.url.appendingPathComponent("m.agmodel").path
        _ = try AgriTraceBinary.run(["model", "import", FixtureFiles.url("onnx/mobile_block.onnx").path,
                                     "--labels", FixtureFiles.url("onnx/mobile_block.labels.txt").path, "--out", model])
        let bench = try AgriTraceBinary.run(["model", "bench", model, "--batch", "4", "--threads", "2", "--seconds", "0.1", "--json"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any]
        #expect((object?["latency_ms"] as? Double).map { $0 > 0 } == true, "\(bench.stdout)")
        #expect((object?["images_per_second"] as? Double).map { $0 > 0 } == true)
        #expect(object?["batch"] as? Int == 4)
    }

    static func sha256(path: String) -> String {
        let result = try? AgriTraceBinaryShell.run("/usr/bin/sha256sum", [path])
        return String(result?.split(separator: " ").first ?? "")
    }
}

/// Runs a system tool (here sha256sum, an independent check of the model id).
enum AgriTraceBinaryShell {
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
