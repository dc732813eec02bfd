import ArgumentParser
import Foundation
import Grading
import Localization
import NeuralNet
import Training

/// `agritrace model import|info|run|bench|calibrate`: bring ONNX networks in, describe models, run raw
/// tensors, time inference, calibrate probabilities and choose the review threshold.
struct ModelCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "model", abstract: tr("Import, describe, run, benchmark and calibrate grading models."),
        discussion: tr("Example:") + """

              agritrace model info tomato.agmodel
            """,
        subcommands: [ImportModel.self, InfoModel.self, RunModel.self, BenchModel.self, CalibrateModel.self]) }
}

/// Loads a model file the user named; a missing one is "not found" (status 2).
func loadModel(_ path: String) throws -> Model {
    try InputFile.require(path, tr("model", context: "file kind"))
    return try Model.load(contentsOf: URL(fileURLWithPath: path))
}

extension ModelCommand {
    struct ImportModel: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "import", abstract: tr("Convert an ONNX model into an .agmodel file."),
            discussion: tr("Supported ONNX operators: Conv (any kernel, stride, padding, groups), BatchNormalization (folded into the convolution), Relu, Clip, LeakyRelu, PRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean and ReduceMax (over height and width), Add, Mul, Sub and Div (by a constant), Concat (of channels), Flatten, Reshape and Squeeze (to [batch, features]), Gemm, MatMul, Softmax, LogSoftmax, Pad (zeros, read by a Conv), Identity, Dropout, Constant, and shape arithmetic on constants (Shape, Gather, Unsqueeze, Slice, Cast, Transpose, ConstantOfShape). Anything else, or a setting the engine lacks, is refused, naming each such node. The input must be NCHW with fixed channels, height and width.")
                + "\n\n" + ExitStatus.help(success: tr("model written"))
                + "\n\n" + tr("Example:") + """

                  agritrace model import mobilenet.onnx --labels labels.txt --out tomato.agmodel --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225
                """) }

        @Argument(help: ArgumentHelp(tr("The ONNX file."))) var onnx: String
        @Option(help: ArgumentHelp(tr("Class labels, one per line, in output order."))) var labels: String
        @Option(help: ArgumentHelp(tr("Where to write the .agmodel file."))) var out: String
        @Option(help: ArgumentHelp(tr("Per-channel means on 0...1 pixel values, comma-separated (default 0)."))) var mean: String?
        @Option(help: ArgumentHelp(tr("Per-channel standard deviations, comma-separated (default 1)."))) var std: String?

        func run() throws {
            try InputFile.require(onnx, tr("ONNX file", context: "file kind"))
            try InputFile.require(labels, tr("labels file", context: "file kind"))
            let labelText: String
            do { labelText = try String(contentsOfFile: labels, encoding: .utf8) } catch {
                throw CommandFailure(.usageError, tr("{file}: cannot read the labels: {reason}", ["file": .text(labels), "reason": .message(.fileError(error))]))
            }
            let names = try Self.labelNames(labelText, file: labels)
            let graph = try OnnxImporter.importGraph(contentsOf: URL(fileURLWithPath: onnx))
            let outputs = try graph.inferShapes()[graph.output]?.elementCount ?? 0
            guard names.count == outputs else {
                throw CommandFailure(.usageError, tr("{file}: {n} labels for the network's {outputs} outputs (one label per line, in output order)",
                                                     ["file": .text(labels), "n": .integer(names.count), "outputs": .integer(outputs)]))
            }
            let channels = graph.inputShape.channels
            let normalization = InputNormalization(mean: try Self.values(mean, default: 0, channels: channels, option: "--mean"),
                                                   std: try Self.values(std, default: 1, channels: channels, option: "--std"))
            let model: Model
            do {
                model = try Model(graph: graph, normalization: normalization, labels: names,
                                  metadata: ["source": URL(fileURLWithPath: onnx).lastPathComponent])
            } catch var error as ModelError {
                error.file = onnx
                throw error
            }
            try model.write(to: URL(fileURLWithPath: out))
            print(tr("wrote {file}: {nodes} nodes, {parameters} parameters, model id {id}", [
                "file": .text(out), "nodes": .integer(graph.nodes.count), "parameters": .integer(graph.parameterCount), "id": .text(model.id)]))
        }

        /// One label per line; trailing blank lines are ignored, any other blank line, a label the
        /// model format refuses, or a repeated label is refused naming the file and line.
        static func labelNames(_ text: String, file: String) throws -> [String] {
            var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            while lines.last?.isEmpty == true { lines.removeLast() }
            var firstLine = [String: Int]()
            for (index, name) in lines.enumerated() {
                let line = MessageArgument.integer(index + 1)
                if name.isEmpty {
                    throw CommandFailure(.usageError, tr("{file}: line {line} is empty (one label per line)", ["file": .text(file), "line": line]))
                }
                if let problem = Model.labelProblem(name) {
                    throw CommandFailure(.usageError, tr("{file}: line {line}: {problem}", ["file": .text(file), "line": line, "problem": .text(problem)]))
                }
                if let first = firstLine[name] {
                    throw CommandFailure(.usageError, tr("{file}: line {line} repeats the label of line {first}", ["file": .text(file), "line": line, "first": .integer(first)]))
                }
                firstLine[name] = index + 1
            }
            return lines
        }

        static func values(_ text: String?, default value: Float, channels: Int, option: String) throws -> [Float] {
            guard let text else { return .init(repeating: value, count: channels) }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == channels, parts.allSatisfy({ $0 != nil }) else {
                throw CommandFailure(.usageError, tr("{option} needs {n} comma-separated numbers, got '{value}'",
                                                     ["option": .text(option), "n": .integer(channels), "value": .text(Quoting.printable(text))]))
            }
            let values = parts.map { $0! }
            let range = option == "--mean" ? InputNormalization.meanRange : InputNormalization.stdRange
            if let outside = values.first(where: { !range.contains($0) }) {
                throw CommandFailure(.usageError, tr("{option}: {value} is outside {low}...{high} (values are on 0...1 pixels: a mean of 123.675 on 0...255 is 0.485, a standard deviation of 1/255 gives the network 0...255)",
                                                     ["option": .text(option), "value": .text("\(outside)"), "low": .text("\(range.lowerBound)"), "high": .text("\(range.upperBound)")]))
            }
            return values
        }
    }

    struct InfoModel: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "info", abstract: tr("Print a model's graph, parameter count, multiply-accumulates and id."),
            discussion: ExitStatus.help(success: tr("printed"))
                + "\n\n" + tr("Example:") + """

                  agritrace model info tomato.agmodel
                """) }

        @Argument(help: ArgumentHelp(tr("The .agmodel file."))) var model: String

        func run() throws {
            let m = try loadModel(model)
            let shapes = try m.graph.inferShapes()
            let s = m.inputShape
            print("model \(model)")
            print("id \(m.id)")
            print("input \(s.channels)x\(s.height)x\(s.width), mean \(m.normalization.mean), std \(m.normalization.std)")
            print("labels (\(m.labels.count)): \(m.labels.joined(separator: ", "))")
            for (key, value) in m.metadata.sorted(by: { $0.key < $1.key }) { print("metadata \(key): \(value)") }
            print("nodes:")
            for node in m.graph.nodes {
                print("  \(node.name) = \(Self.describe(node.operation))(\(node.inputs.joined(separator: ", "))) -> \(shapes[node.name]!)")
            }
            print("output \(m.graph.output) \(shapes[m.graph.output]!)")
            print("parameters \(m.graph.parameterCount)")
            print("multiply-accumulates per image \(try m.graph.multiplyAccumulates())")
        }

        static func describe(_ op: NodeOperation) -> String {
            switch op {
            case .convolution(let c):
                "Conv \(c.kernelHeight)x\(c.kernelWidth) \(window(c.strideY, c.strideX, [c.padTop, c.padLeft, c.padBottom, c.padRight]))"
                    + (c.groups > 1 ? " groups \(c.groups)" : "") + (c.bias == nil ? "" : " +bias")
            case .maxPool(let p): "MaxPool \(p.kernelHeight)x\(p.kernelWidth) \(window(p.strideY, p.strideX, [p.padTop, p.padLeft, p.padBottom, p.padRight]))"
            case .averagePool(let p):
                "AveragePool \(p.kernelHeight)x\(p.kernelWidth) \(window(p.strideY, p.strideX, [p.padTop, p.padLeft, p.padBottom, p.padRight]))"
                    + (p.countIncludePad ? " counting padding" : "")
            case .dense(let d): "Dense \(d.outputFeatures)" + (d.bias == nil ? "" : " +bias")
            default: op.kind
            }
        }

        /// "stride 2 pad 1,1,1,1", or "stride 1x2" when the strides differ (pads top, left, bottom, right).
        static func window(_ strideY: Int, _ strideX: Int, _ pads: [Int]) -> String {
            "stride \(strideY == strideX ? "\(strideY)" : "\(strideY)x\(strideX)") pad \(pads.map(String.init).joined(separator: ","))"
        }
    }

    struct RunModel: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "run", abstract: tr("Run raw float32 NCHW tensors through a model."),
            discussion: tr("The input file holds little-endian float32 images in NCHW order, one after another; the batch size is the file size divided by the model's input size. The output file receives the graph's final output for each image, little-endian float32.")
                + "\n\n" + ExitStatus.help(success: tr("outputs written"))
                + "\n\n" + tr("Example:") + """

                  agritrace model run tomato.agmodel --input images.f32 --output logits.f32
                """) }

        @Argument(help: ArgumentHelp(tr("The .agmodel file."))) var model: String
        @Option(help: ArgumentHelp(tr("Raw float32 input tensors."))) var input: String
        @Option(help: ArgumentHelp(tr("Where to write the raw float32 outputs."))) var output: String
        @Option(help: ArgumentHelp(tr("Threads (default: all cores); results are identical for any value."))) var jobs: Int?
        @Flag(help: ArgumentHelp(tr("Use the slow reference executor instead of the fast one."))) var reference = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError(tr("--jobs must be at least 1")) }
        }

        func run() throws {
            let m = try loadModel(model)
            let data = try InputFile.read(input, tr("input tensor file", context: "file kind"))
            let perImage = m.inputShape.elementCount * 4
            guard !data.isEmpty, data.count % perImage == 0 else {
                throw CommandFailure(.usageError, tr("{file}: {size} bytes is not a whole number of {shape} float32 images ({each} bytes each)", [
                    "file": .text(input), "size": .integer(data.count), "shape": .text("\(m.inputShape)"), "each": .integer(perImage)]))
            }
            let count = data.count / perImage
            let inputs = data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            var outputs: [Float]
            if reference {
                let net = try ReferenceNetwork(graph: m.graph)
                let n = m.inputShape.elementCount
                outputs = (0..<count).flatMap { net.run(Array(inputs[($0 * n)..<(($0 + 1) * n)])) }
            } else {
                outputs = try Network(model: m).run(batch: inputs, count: count,
                                                     jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            }
            var bytes = Data(capacity: outputs.count * 4)
            for v in outputs { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            do { try OutputFile.write(bytes, to: output, inputs: [model, input]) } catch {
                throw CommandFailure(error is OutputRefusal ? .usageError : .internalFailure, tr("{file}: cannot write: {reason}", ["file": .text(output), "reason": .message(.fileError(error))]))
            }
        }
    }

    struct BenchModel: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "bench", abstract: tr("Time inference on random input."),
            discussion: tr("Reports the median time per batch over repeated runs after a warm-up, and images per second.")
                + "\n\n" + ExitStatus.help(success: tr("timed"))
                + "\n\n" + tr("Example:") + """

                  agritrace model bench tomato.agmodel --batch 16 --threads 4 --json
                """) }

        @Argument(help: ArgumentHelp(tr("The .agmodel file."))) var model: String
        @Option(help: ArgumentHelp(tr("Images per batch."))) var batch = 1
        @Option(help: ArgumentHelp(tr("Threads the batch is split across."))) var threads = 1
        @Option(help: ArgumentHelp(tr("Minimum seconds of timed runs."))) var seconds = 2.0
        @Flag(help: ArgumentHelp(tr("Print one JSON object."))) var json = false

        /// A batch's activations are held at once: 512 images of the default model take about 1.5 GB.
        static let maxBatch = 512
        static let maxThreads = 256
        static let maxSeconds = 3600.0

        func validate() throws {
            if batch < 1 || threads < 1 || !(seconds > 0) { throw ValidationError(tr("--batch, --threads and --seconds must be positive")) }
            if batch > Self.maxBatch || threads > Self.maxThreads || seconds > Self.maxSeconds {
                throw ValidationError(tr("--batch is at most {batch}, --threads at most {threads} and --seconds at most {seconds}",
                                         ["batch": .integer(Self.maxBatch), "threads": .integer(Self.maxThreads), "seconds": .integer(Int(Self.maxSeconds))]))
            }
        }

        func run() throws {
            let timing = try InferenceBenchmark(batch: batch, threads: threads, minimumSeconds: seconds).run(try loadModel(model))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(timing), as: UTF8.self))
            } else {
                print(String(format: "batch %d, %d threads, %@ kernels: %.3f ms per batch (best %.3f), %.1f images/s, %.1f GFLOP/s",
                             timing.batch, timing.threads, timing.kernels, timing.latencyMilliseconds,
                             timing.bestLatencyMilliseconds, timing.imagesPerSecond, timing.gflops))
            }
        }
    }

    struct CalibrateModel: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "calibrate", abstract: tr("Calibrate a model's probabilities and choose its review threshold on validation photos."),
            discussion: tr("Fits a temperature on the validation photos of the split file (minimising the negative log-likelihood), then chooses the lowest review threshold at which the photos decided without review are in the right grade of the policy at least as often as its review_target_accuracy_bp says, and writes the model with both stored in it (a new model id; the network is unchanged). Prints NLL and expected calibration error (15 bins) before and after, the threshold, the share of photos it decides (coverage) and their accuracy, and reliability tables (--report writes them to a Markdown file). Use photos the model was not trained on: the validation side of the split `agritrace train --write-split` wrote.")
                + "\n\n" + tr("A model trained on every photo (--val-split 0) leaves none to fit on: --copy-from stores the calibration of a model trained by the same recipe on a split instead, and records that model's id. Its figures are that model's, measured on its validation photos, not this one's.")
                + "\n\n" + ExitStatus.help(success: tr("calibrated model written with a review threshold"), needsAttention: tr("model written, but some photos were unreadable (reported and skipped) or no threshold reaches the target (every photo will need review)"))
                + "\n\n" + tr("Example:") + """

                  agritrace model calibrate tomato.agmodel --data photos/ --split tomato.split --out tomato-calibrated.agmodel
                  agritrace model calibrate tomato-all.agmodel --copy-from tomato-calibrated.agmodel --out tomato-all-calibrated.agmodel
                """) }

        @Argument(help: ArgumentHelp(tr("The .agmodel file."))) var model: String
        @Option(help: ArgumentHelp(tr("Folder with one sub-folder of photos per class."))) var data: String?
        @Option(help: ArgumentHelp(tr("Split file; its validation photos are used."))) var split: String?
        @Option(help: ArgumentHelp(tr("Instead of fitting: copy the calibration of this model (same labels and input), fitted on its own validation photos.")))
        var copyFrom: String?
        @Option(help: ArgumentHelp(tr("Where to write the calibrated .agmodel file."))) var out: String
        @Option(help: ArgumentHelp(tr("Grading policy JSON file whose grades and target the threshold is chosen for (default: the bundled policy).")))
        var policy: String?
        @Option(help: ArgumentHelp(tr("Also write the report as Markdown to this file."))) var report: String?
        @Option(help: ArgumentHelp(tr("Threads (default: all cores)."))) var jobs: Int?

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError(tr("--jobs must be at least 1")) }
            if copyFrom != nil {
                guard data == nil, split == nil, report == nil else {
                    throw ValidationError(tr("--copy-from fits nothing: leave out --data, --split and --report"))
                }
            } else if data == nil || split == nil {
                throw ValidationError(tr("give --data and --split (photos to fit on), or --copy-from"))
            }
        }

        func run() throws {
            let loaded = try loadModel(model)
            if let policy { try InputFile.require(policy, tr("policy", context: "file kind")) }
            let gradingPolicy = try policy.map { try GradingPolicy(contentsOf: URL(fileURLWithPath: $0)) } ?? GradingPolicy.bundledDefault()
            try gradingPolicy.check(classCount: loaded.labels.count, modelName: model)
            if let copyFrom { return try copyCalibration(to: loaded, from: copyFrom, policy: gradingPolicy) }
            guard let data, let split else { return }
            try InputFile.require(data, tr("data folder", context: "file kind"))
            try InputFile.require(split, tr("split file", context: "file kind"))
            let folder = try LabelledFolder(root: URL(fileURLWithPath: data), grouping: .none)
            let validation = try DatasetSplit.read(from: URL(fileURLWithPath: split), for: folder).validation
            let calibration = try CalibrationRun(model: loaded, folder: folder, photos: validation,
                                                 classGroups: gradingPolicy.classGroups, targetBP: gradingPolicy.reviewTargetAccuracyBP,
                                                 jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            for failure in calibration.failures {
                FileHandleOutput.standardError.write(tr("skipped {file}: {reason}", ["file": .text(failure.path), "reason": .text(failure.message)]) + "\n")
            }
            let calibrated = try loaded.calibrated(calibration.calibration)
            try calibrated.write(to: URL(fileURLWithPath: out))
            let text = calibration.text + "\n"
            FileHandleOutput.standardOutput.write(text + tr("wrote {file}: model id {id}", ["file": .text(out), "id": .text(calibrated.id)]) + "\n")
            if let report {
                do { try OutputFile.write(Data(text.utf8), to: report) } catch {
                    throw CommandFailure(.internalFailure, tr("{file}: cannot write: {reason}", ["file": .text(report), "reason": .message(.fileError(error))]))
                }
            }
            if !calibration.failures.isEmpty || calibration.choice == nil { throw ExitStatus.needsAttention }
        }

        private func copyCalibration(to loaded: Model, from sourcePath: String, policy: GradingPolicy) throws {
            let source = try loadModel(sourcePath)
            guard source.labels == loaded.labels, source.inputShape == loaded.inputShape, source.normalization == loaded.normalization else {
                throw CommandFailure(.usageError, tr("{file}: its labels, input size or input normalisation differ from {model}'s, so its calibration means something else", [
                    "file": .text(sourcePath), "model": .text(model)]))
            }
            guard source.calibration != .uncalibrated else {
                throw CommandFailure(.usageError, tr("{file}: has no calibration to copy", ["file": .text(sourcePath)]))
            }
            let copied = try loaded.calibrated(source.calibration, copiedFrom: source.id)
            try copied.write(to: URL(fileURLWithPath: out))
            let rule = source.calibration.review.map { tr("review threshold {bp} bp for target {target} bp", ["bp": .integer($0.thresholdBP), "target": .integer($0.targetBP)]) }
                ?? tr("no review threshold")
            FileHandleOutput.standardOutput.write(tr("copied from model {id}: temperature {t}, {rule}", [
                "id": .text(source.id), "t": .text(String(describing: source.calibration.temperature)), "rule": .text(rule)]) + "\n"
                + tr("wrote {file}: model id {id}", ["file": .text(out), "id": .text(copied.id)]) + "\n")
            if let problem = policy.reviewProblem(of: source.calibration) {
                FileHandleOutput.standardError.write(problem + "\n")
                throw ExitStatus.needsAttention
            }
        }
    }
}
