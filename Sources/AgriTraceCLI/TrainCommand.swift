import ArgumentParser
import Foundation
import Localization
import Training

/// `agritrace train DATA_DIR --out MODEL ...`: trains a grading model from one folder per class.
struct TrainCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "train",
        abstract: tr("Train a grading model from a folder of labelled photos."),
        discussion: tr("DATA_DIR holds one sub-folder per class; the sorted folder names become the labels. Photos are decoded once to the input size (squashed, as grading does) and cached in memory. A validation split holds out whole items (all photos whose file names share their leading letters, e.g. one tomato photographed on several days), about --val-split of every class. The model with the best validation macro-F1 is written to --out; a checkpoint (default MODEL.checkpoint) is written after every epoch for --resume. Results are reproducible for a given --seed and --jobs.")
            + "\n\n" + tr("--from fine-tunes an imported model (`agritrace model import`) instead of building --arch: its classifier is replaced by a new one for these classes, its input normalisation is kept, batch norms stay folded into the convolutions (statistics frozen), and --freeze-blocks N keeps its first N blocks fixed (the log lists them). The training log (epochs, losses, scores) is in English.")
            + "\n\n" + ExitStatus.help(success: tr("model written and every photo usable"),
                                       needsAttention: tr("model written, but some photos were unreadable (reported and skipped)"))
            + "\n\n" + tr("Example:") + """

              agritrace train photos/ --out tomato.agmodel --epochs 30 --write-split tomato.split
              agritrace train photos/ --out tuned.agmodel --from backbone.agmodel --input-size 128 --freeze-blocks 3 \\
                  --epochs 8 --learning-rate 1e-3
            """) }

    @Argument(help: ArgumentHelp(tr("Folder with one sub-folder of photos per class.")))
    var dataDirectory: String

    @Option(name: .long, help: ArgumentHelp(tr("Where to write the trained model (.agmodel).")))
    var out: String

    @Option(name: .long, help: ArgumentHelp(tr("Network: {choices} (default {default}).", [
        "choices": .text(Architecture.allCases.map(\.rawValue).joined(separator: ", ")), "default": .text(TrainingOptions().architecture.rawValue)])))
    var arch: String?

    @Option(name: .long, help: ArgumentHelp(tr("Fine-tune this imported model (.agmodel) instead of building --arch.")))
    var from: String?

    @Option(name: .long, help: ArgumentHelp(tr("With --from: keep the first N blocks of the imported model fixed.")))
    var freezeBlocks: Int = 0

    @Option(name: .long, help: ArgumentHelp(tr("Input width and height in pixels.")))
    var inputSize: Int = TrainingOptions().inputSize

    @Option(name: .long, help: ArgumentHelp(tr("Training epochs.")))
    var epochs: Int = TrainingOptions().epochs

    @Option(name: .long, help: ArgumentHelp(tr("Seed for initialisation, split, sampling and augmentation.")))
    var seed: UInt64 = TrainingOptions().seed

    @Option(name: .long, help: ArgumentHelp(tr("Fraction of each class held out for validation (0 for none).")))
    var valSplit: Double = 0.2

    @Option(name: .long, help: ArgumentHelp(tr("How photos are tied to items for the split: prefix (leading letters of the file name) or none.")))
    var groupBy: String = ItemGrouping.byNamePrefix.rawValue

    @Option(name: .long, help: ArgumentHelp(tr("Read the train/validation split from this file instead of making one.")))
    var split: String?

    @Option(name: .long, help: ArgumentHelp(tr("Write the train/validation split to this file (for `agritrace eval --split`).")))
    var writeSplit: String?

    @Option(name: .long, help: ArgumentHelp(tr("Threads (results are reproducible for a fixed value).")))
    var jobs: Int = 1

    @Option(name: .long, help: ArgumentHelp(tr("Mini-batch size.")))
    var batchSize: Int = TrainingOptions().batchSize

    @Option(name: .long, help: ArgumentHelp(tr("Optimiser: adamw or sgd (momentum 0.9).")))
    var optimizer: String = TrainingOptions().optimizer.rawValue

    @Option(name: .long, help: ArgumentHelp(tr("Peak learning rate (after warm-up; cosine decay after).")))
    var learningRate: Float = TrainingOptions().learningRate

    @Option(name: .long, help: ArgumentHelp(tr("Weight decay (decoupled for adamw, L2 for sgd).")))
    var weightDecay: Float = TrainingOptions().weightDecay

    @Option(name: .long, help: ArgumentHelp(tr("Warm-up epochs.")))
    var warmupEpochs: Int = TrainingOptions().warmupEpochs

    @Option(name: .long, help: ArgumentHelp(tr("Share of each target moved onto the neighbouring grades (ordered classes).")))
    var ordinalSmoothing: Float = TrainingOptions().ordinalSmoothing

    @Flag(name: .long, help: ArgumentHelp(tr("Sample photos as they come instead of every class equally often.")))
    var noBalance = false

    @Flag(name: .long, help: ArgumentHelp(tr("Turn off data augmentation.")))
    var noAugment = false

    @Option(name: .long, help: ArgumentHelp(tr("Scale of the rotation/scale/shift augmentation ranges (0: flips only).")))
    var geometricAugmentation: Float = TrainingOptions().geometricAugmentation

    @Option(name: .long, help: ArgumentHelp(tr("Largest relative brightness/contrast/saturation change in augmentation (0: none).")))
    var colorJitter: Float = TrainingOptions().colorJitter

    @Option(name: .long, help: ArgumentHelp(tr("Checkpoint file (default: MODEL.checkpoint).")))
    var checkpoint: String?

    @Flag(name: .long, help: ArgumentHelp(tr("Continue from the checkpoint.")))
    var resume = false

    @Option(name: .long, help: ArgumentHelp(tr("End after this epoch; the learning-rate schedule still spans --epochs and --resume continues.")))
    var stopAfterEpoch: Int?

    @Option(name: .long, help: ArgumentHelp(tr("Which epoch's model --out receives: best (highest validation macro-F1) or last (the run's last epoch, as a recipe trained without a split keeps). --resume of a finished run with --keep last writes its last epoch.")))
    var keep: String = "best"

    func validate() throws {
        guard from == nil || arch == nil else { throw ValidationError(tr("give either --arch or --from, not both")) }
        guard freezeBlocks >= 0, from != nil || freezeBlocks == 0 else {
            throw ValidationError(tr("--freeze-blocks needs --from and must not be negative"))
        }
        guard Architecture(rawValue: arch ?? TrainingOptions().architecture.rawValue) != nil else {
            throw ValidationError(tr("--arch must be one of {choices}", ["choices": .text(Architecture.allCases.map(\.rawValue).joined(separator: ", "))]))
        }
        guard TrainingOptions.OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError(tr("--optimizer must be adamw or sgd")) }
        guard ItemGrouping(rawValue: groupBy) != nil else { throw ValidationError(tr("--group-by must be prefix or none")) }
        guard (8...512).contains(inputSize) else { throw ValidationError(tr("--input-size must be 8...512")) }
        guard epochs >= 1, batchSize >= 1, jobs >= 1, warmupEpochs >= 0 else {
            throw ValidationError(tr("--epochs, --batch-size and --jobs must be at least 1"))
        }
        guard stopAfterEpoch.map({ $0 >= 1 }) ?? true else { throw ValidationError(tr("--stop-after-epoch must be at least 1")) }
        guard keep == "best" || keep == "last" else { throw ValidationError(tr("--keep must be best or last")) }
        guard (0..<1).contains(valSplit) else { throw ValidationError(tr("--val-split must be in 0..<1")) }
        guard (0..<1).contains(ordinalSmoothing) else { throw ValidationError(tr("--ordinal-smoothing must be in 0..<1")) }
        guard (0...1).contains(geometricAugmentation) else { throw ValidationError(tr("--geometric-augmentation must be in 0...1")) }
        guard (0..<1).contains(colorJitter) else { throw ValidationError(tr("--color-jitter must be in 0..<1")) }
        guard learningRate > 0, weightDecay >= 0 else { throw ValidationError(tr("--learning-rate must be positive and --weight-decay not negative")) }
    }

    var options: TrainingOptions {
        var o = TrainingOptions()
        if let arch { o.architecture = Architecture(rawValue: arch)! }
        o.inputSize = inputSize
        o.epochs = epochs
        o.batchSize = batchSize
        o.seed = seed
        o.optimizer = TrainingOptions.OptimizerKind(rawValue: optimizer)!
        o.learningRate = learningRate
        o.weightDecay = weightDecay
        o.warmupEpochs = warmupEpochs
        o.ordinalSmoothing = ordinalSmoothing
        o.balancedSampling = !noBalance
        o.augmentation = !noAugment
        o.colorJitter = colorJitter
        o.geometricAugmentation = geometricAugmentation
        o.jobs = jobs
        return o
    }

    func run() throws {
        let err = FileHandleOutput.standardError
        let started = Date()
        try InputFile.require(dataDirectory, tr("data folder", context: "file kind"))
        if let split { try InputFile.require(split, tr("split file", context: "file kind")) }
        if resume { try InputFile.require(checkpoint ?? out + ".checkpoint", tr("checkpoint", context: "file kind")) }
        var options = self.options
        let backbone = try from.map(loadModel)
        if let backbone { options.backbone = BackboneOptions(modelID: backbone.id, frozenBlocks: freezeBlocks) }
        let folder = try LabelledFolder(root: URL(fileURLWithPath: dataDirectory), grouping: ItemGrouping(rawValue: groupBy)!)
        let dataSplit = try split.map { try DatasetSplit.read(from: URL(fileURLWithPath: $0), for: folder) }
            ?? DatasetSplit.stratifiedByItem(folder, fraction: valSplit, seed: seed)
        if let writeSplit {
            let header = ["data: \(URL(fileURLWithPath: dataDirectory).lastPathComponent)",
                          "seed: \(seed)  val-split: \(valSplit)  group-by: \(groupBy)"]
            try OutputFile.write(Data(dataSplit.text(for: folder, header: header).utf8), to: writeSplit)
        }
        let heldItems = Set(dataSplit.validation.map { folder.photos[$0].item }).count
        err.write(tr("{photos} photos in {n} classes ({labels}); {training} for training, {validation} for validation ({items} items held out)", [
            "photos": .integer(folder.photos.count), "n": .integer(folder.labels.count), "labels": .text(folder.labels.joined(separator: ", ")),
            "training": .integer(dataSplit.training.count), "validation": .integer(dataSplit.validation.count), "items": .integer(heldItems)]) + "\n")

        let cache = PhotoCache(photos: folder.photos, size: options.inputSize, jobs: jobs, decode: PhotoCache.imagingDecoder)
        for failure in cache.failures { err.write(tr("skipped {file}: {reason}", ["file": .text(failure.path), "reason": .text(failure.message)]) + "\n") }
        err.write(tr("decoded {n} photos at {size}x{size} in {seconds} s", [
            "n": .integer(folder.photos.count - cache.failures.count), "size": .text(String(inputSize)),
            "seconds": .decimal(Date().timeIntervalSince(started), digits: 1)]) + "\n")

        let trainer: Trainer
        do {
            trainer = try Trainer(folder: folder, split: dataSplit, cache: cache, options: options, backbone: backbone)
        } catch let error as BackboneError {
            throw CommandFailure(.usageError, "\(from ?? ""): \(render(error))")
        } catch let error as LayerShapeError {
            throw CommandFailure(.usageError, tr("{model} at --input-size {size}: {reason}", [
                "model": .text(from ?? options.architecture.rawValue), "size": .text(String(inputSize)), "reason": .text(render(error))]))
        }
        let network = trainer.network
        if let backbone {
            let description = try Backbone(model: backbone, inputSize: inputSize, classes: folder.labels.count,
                                           frozenBlocks: freezeBlocks, seed: seed)
            for (index, block) in description.blocks.enumerated() {
                let arguments: [String: MessageArgument] = ["index": .text(String(index + 1)), "block": .text("\(block)")]
                err.write((index < freezeBlocks ? tr("block {index} (frozen): {block}", arguments) : tr("block {index}: {block}", arguments)) + "\n")
            }
        }
        err.write(tr("{model}: {layers} layers, {parameters} trained parameters, {macs} multiply-accumulates per image", [
            "model": .text(from ?? options.architecture.rawValue), "layers": .integer(network.layers.count),
            "parameters": .integer(network.trainableParameterCount), "macs": .integer(network.multiplyAccumulates)]) + "\n")
        let checkpointURL = URL(fileURLWithPath: checkpoint ?? out + ".checkpoint")
        if resume {
            try trainer.resume(from: checkpointURL)
            err.write(tr("resumed after epoch {epoch}; {outcome}", ["epoch": .text(String(trainer.completedEpochs)), "outcome": .text("\(trainer.outcome)")]) + "\n")
        }
        trainer.log = { err.write($0 + "\n") }
        let outURL = URL(fileURLWithPath: out)
        // Unchanged wording keeps the shipped model reproducible bit for bit (its id is the file's hash).
        let splitDescription = "val-split \(valSplit), group-by \(groupBy), seed \(seed)"
        let export = { (trainer: Trainer) in
            try trainer.exportedModel(trainedBy: "agritrace \(AgriTrace.version) train", splitDescription: splitDescription,
                                      lastEpoch: keep == "last").write(to: outURL)
        }
        try trainer.run(checkpoint: checkpointURL, stoppingAfterEpoch: stopAfterEpoch) { if keep == "best" { try export($0) } }
        // After the run the network holds its last epoch's weights.
        if keep == "last" { try export(trainer) }
        let kept = keep == "last" && trainer.bestMacroF1 != nil
            ? "kept the last epoch, \(trainer.completedEpochs) (\(trainer.outcome))" : trainer.outcome
        err.write(tr("{outcome}; model written to {file}; total time {seconds} s", [
            "outcome": .text(kept), "file": .text(out), "seconds": .decimal(Date().timeIntervalSince(started), digits: 0)]) + "\n")
        if !cache.failures.isEmpty {
            err.write(tr("{n} photo was unreadable and skipped", plural: "{n} photos were unreadable and skipped", count: cache.failures.count) + "\n")
            throw ExitStatus.needsAttention
        }
    }
}
