import ArgumentParser
import Foundation
import Grading
import Imaging
import NeuralNet

/// `agritrace classify FILE... [--model FILE] [--json] [--jobs N]`: per photo, the most likely class and
/// every class probability. Photos are decoded straight to the model's input size (Imaging's fast path,
/// the same preprocessing as training). Exit 0 when every file was classified, 1 when any failed,
/// 2 when the model cannot be used.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify", abstract: "Classify photos with a grading model.",
        discussion: """
            Without --model the default model bundled with AgriTrace is used. Files are processed in \
            parallel (--jobs, default all cores); the output order and every number are the same for any \
            job count. Limits: \(DecodeLimits.default.maxBytes) bytes per file, \(DecodeLimits.default.maxPixels) pixels per image.
            """)

    @Argument(help: "Photos (JPEG or PNG).") var files: [String]
    @Option(help: "The .agmodel file (default: the bundled grading model).") var model: String?
    @Flag(help: "Print one JSON object per file (JSON lines).") var json = false
    @Option(help: "Threads (default: all cores).") var jobs: Int?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one photo") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    struct Line: Encodable {
        var file: String
        var `class`: Int?
        var label: String?
        var probabilities: [Float]?
        var error: String?
    }

    func run() throws {
        let m = try exitingOnModelErrors { () throws -> Model in
            if let model { return try loadModel(model) }
            let url = BundledResources.defaultModelURL
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ModelInputError(message: "no default model is bundled in this build; pass --model FILE")
            }
            return try Model.load(contentsOf: url)
        }
        let network = try exitingOnModelErrors { try Network(model: m) }
        let lines = Self.classify(files, model: m, network: network,
                                  jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in lines {
            if json {
                FileHandleOutput.standardOutput.write(String(decoding: try encoder.encode(line), as: UTF8.self) + "\n")
            } else if let error = line.error {
                FileHandleOutput.standardOutput.write("\(line.file): error: \(error)\n")
            } else {
                let p = line.probabilities!.map { String(format: "%.4f", $0) }.joined(separator: " ")
                FileHandleOutput.standardOutput.write("\(line.file): \(line.class!) \(line.label!) [\(p)]\n")
            }
        }
        let failed = lines.filter { $0.error != nil }.count
        if failed > 0 {
            FileHandleOutput.standardError.write("\(failed) of \(lines.count) files could not be classified\n")
            throw ExitCode(1)
        }
    }

    /// Decodes, preprocesses and classifies each file; contiguous runs of files per thread.
    static func classify(_ files: [String], model: Model, network: Network, jobs: Int) -> [Line] {
        let results = LineStore(count: files.count)
        let jobs = max(1, min(jobs, files.count))
        DispatchQueue.concurrentPerform(iterations: jobs) { job in
            let workspace = network.makeWorkspace()
            var output = [Float](repeating: 0, count: network.outputShape.elementCount)
            for i in (files.count * job / jobs)..<(files.count * (job + 1) / jobs) {
                let file = files[i]
                do {
                    let data = try ImageDecoder.readFile(at: URL(fileURLWithPath: file))
                    let image = try ImageDecoder.decode(data: data, fileName: file, targetWidth: model.inputShape.width,
                                                        targetHeight: model.inputShape.height)
                    let input = try model.preprocess(rgb: image.pixels, width: image.width, height: image.height)
                    network.run(input: input, output: &output, workspace: workspace)
                    let p = model.probabilities(fromOutput: output)
                    let best = p.indices.max { p[$0] < p[$1] }!
                    results.set(i, Line(file: file, class: best, label: model.labels[best], probabilities: p))
                } catch let error as ImageDecodingError {
                    results.set(i, Line(file: file, error: error.description))
                } catch {
                    results.set(i, Line(file: file, error: "\(error)"))
                }
            }
        }
        return results.lines
    }
}

/// Per-file results written from several threads, each index by exactly one.
private final class LineStore: @unchecked Sendable {
    private var storage: [ClassifyCommand.Line?]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ line: ClassifyCommand.Line) {
        lock.lock()
        storage[i] = line
        lock.unlock()
    }

    var lines: [ClassifyCommand.Line] { storage.map { $0! } }
}
