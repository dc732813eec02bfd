import ArgumentParser
import Foundation
import Localization
import Grading
import Imaging

/// `agritrace classify FILE... [--model FILE] [--json] [--jobs N]`: per photo, the most likely class and
/// every class probability, from Grading's classifier (the same decoding and preprocessing as grading).
struct ClassifyCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "classify", abstract: tr("Classify photos with a grading model."),
        discussion: tr("Without --model the default model bundled with AgriTrace is used. Files are processed in parallel (--jobs, default all cores); the output order and every number are the same for any job count. Limits: {bytes} bytes per file, {pixels} pixels per image.",
                       ["bytes": .integer(DecodeLimits.default.maxBytes), "pixels": .integer(DecodeLimits.default.maxPixels)])
            + "\n\n" + ExitStatus.help(success: tr("every file classified"), needsAttention: tr("some files could not be classified (each is reported)"))
            + "\n\n" + tr("Example:") + """

              agritrace classify photos/*.jpg --json
            """) }

    @Argument(help: ArgumentHelp(tr("Photos (JPEG or PNG)."))) var files: [String]
    @Option(help: ArgumentHelp(tr("The .agmodel file (default: the bundled grading model)."))) var model: String?
    @Flag(help: ArgumentHelp(tr("Print one JSON object per file (JSON lines)."))) var json = false
    @Option(help: ArgumentHelp(tr("Threads (default: all cores)."))) var jobs: Int?

    func validate() throws {
        if files.isEmpty { throw ValidationError(tr("give at least one photo")) }
        if let jobs, jobs < 1 { throw ValidationError(tr("--jobs must be at least 1")) }
    }

    func run() throws {
        let classifier: ModelPhotoClassifier
        if let model {
            try InputFile.require(model, tr("model", context: "file kind"))
            classifier = try ModelPhotoClassifier(contentsOf: URL(fileURLWithPath: model))
        } else {
            guard FileManager.default.fileExists(atPath: BundledResources.defaultModelURL.path) else {
                throw CommandFailure(.usageError, tr("no default model is bundled in this build; pass --model FILE"))
            }
            classifier = try ModelPhotoClassifier.bundledDefault()
        }
        let results = classifier.classify(files: files, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for result in results {
            if json {
                FileHandleOutput.standardOutput.write(String(decoding: try encoder.encode(result), as: UTF8.self) + "\n")
            } else if let classIndex = result.classIndex, let label = result.label, let probabilities = result.probabilities {
                let p = probabilities.map { String(format: "%.4f", $0) }.joined(separator: " ")
                FileHandleOutput.standardOutput.write("\(result.file): \(classIndex) \(label) [\(p)]\n")
            } else {
                FileHandleOutput.standardOutput.write("\(result.file): " + tr("error: {reason}", ["reason": .text(result.error ?? "?")]) + "\n")
            }
        }
        let failed = results.filter { $0.error != nil }.count
        if failed > 0 {
            FileHandleOutput.standardError.write(tr("{failed} of {n} file could not be classified", plural: "{failed} of {n} files could not be classified", count: results.count,
                                                    ["failed": .integer(failed)]) + "\n")
            throw ExitStatus.needsAttention
        }
    }
}
