import ArgumentParser
import Foundation
import Localization
import NeuralNet
import Training

/// `agritrace eval DATA_DIR --model MODEL [--groups SPEC]... [--split FILE] [--json]`.
struct EvalCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "eval",
        abstract: tr("Evaluate a model on a folder of labelled photos."),
        discussion: tr("DATA_DIR holds one sub-folder per class, named like the model's labels. Prints accuracy, balanced accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix, then the same for every --groups grouping (classes merged by summing their probabilities), e.g. --groups 0-4,5-9 --groups 0-1,2-4,5-7,8-9. With --split, only the photos that the split file (written by `agritrace train --write-split`) lists for validation are used. The metrics table is in English.")
            + "\n\n" + ExitStatus.help(success: tr("every photo evaluated"), needsAttention: tr("some photos were unreadable (reported and skipped)"))
            + "\n\n" + tr("Example:") + """

              agritrace eval photos/ --model tomato.agmodel --split tomato.split --groups 0-4,5-9
            """) }

    @Argument(help: ArgumentHelp(tr("Folder with one sub-folder of photos per class.")))
    var dataDirectory: String

    @Option(name: .long, help: ArgumentHelp(tr("The model file (.agmodel).")))
    var model: String

    @Option(name: .long, help: ArgumentHelp(tr("A class grouping such as 0-4,5-9 (repeatable).")))
    var groups: [String] = []

    @Option(name: .long, help: ArgumentHelp(tr("Evaluate only the validation photos of this split file.")))
    var split: String?

    @Flag(name: .long, help: ArgumentHelp(tr("Print one JSON object instead of text.")))
    var json = false

    @Option(name: .long, help: ArgumentHelp(tr("Threads (default: all cores).")))
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError(tr("--jobs must be at least 1")) }
    }

    func run() throws {
        let err = FileHandleOutput.standardError
        try InputFile.require(dataDirectory, tr("data folder", context: "file kind"))
        try InputFile.require(model, tr("model", context: "file kind"))
        if let split { try InputFile.require(split, tr("split file", context: "file kind")) }
        let loaded = try Model.load(contentsOf: URL(fileURLWithPath: model))
        let groupings = try groups.map { try ClassGrouping(parsing: $0, classes: loaded.labels.count) }
        let folder = try LabelledFolder(root: URL(fileURLWithPath: dataDirectory), grouping: .none)
        let photos = try split.map { try DatasetSplit.read(from: URL(fileURLWithPath: $0), for: folder).validation }
            ?? Array(folder.photos.indices)
        let evaluation = try Evaluation(model: loaded, folder: folder, photos: photos, groupings: groupings,
                                        jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        for failure in evaluation.failures { err.write(tr("skipped {file}: {reason}", ["file": .text(failure.path), "reason": .text(failure.message)]) + "\n") }
        FileHandleOutput.standardOutput.write((json ? evaluation.json : evaluation.text) + "\n")
        if !evaluation.failures.isEmpty { throw ExitStatus.needsAttention }
    }
}
