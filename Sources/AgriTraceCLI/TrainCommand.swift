import ArgumentParser
import Foundation
import Localization
import Training

/// `agritrace train DATA_DIR --out MODEL ...`: trains a grading model from one folder per class.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a grading model from a folder of labelled photos.",
        discussion: """
            DATA_DIR holds one sub-folder per class; the sorted folder names become the labels. \
            Photos are decoded once to the input size (squashed, as grading does) and cached in \
            memory. A validation split holds out whole items (all photos whose file names share \
            their leading letters, e.g. one tomato photographed on several days), about --val-split \
            of every class. The model with the best validation macro-F1 is written to --out; a \
            checkpoint (default MODEL.checkpoint) is written after every epoch for --resume. \
            Results are reproducible for a given --seed and --jobs.

            --from fine-tunes an imported model (`agritrace model import`) instead of building \
            --arch: its classifier is replaced by a new one for these classes, its input \
            normalisation is kept, batch norms stay folded into the convolutions (statistics \
            frozen), and --freeze-blocks N keeps its first N blocks fixed (the log lists them).

            \(ExitStatus.help(success: "model written and every photo usable",
                              needsAttention: "model written, but some photos were unreadable (reported and skipped)"))

            Example:
              agritrace train photos/ --out tomato.agmodel --epochs 30 --write-split tomato.split
              agritrace train photos/ --out tuned.agmodel --from backbone.agmodel --input-size 128 --freeze-blocks 3 \\
                  --epochs 8 --learning-rate 1e-3
            """)

    @Argument(help: "Folder with one sub-folder of photos per class.")
    var dataDirectory: String

    @Option(name: .long, help: "Where to write the trained model (.agmodel).")
    var out: String

    @Option(name: .long, help: "Network: \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")) (default \(TrainingOptions().architecture.rawValue)).")
    var arch: String?

    @Option(name: .long, help: "Fine-tune this imported model (.agmodel) instead of building --arch.")
    var from: String?

    @Option(name: .long, help: "With --from: keep the first N blocks of the imported model fixed.")
    var freezeBlocks: Int = 0

    @Option(name: .long, help: "Input width and height in pixels.")
    var inputSize: Int = TrainingOptions().inputSize

    @Option(name: .long, help: "Training epochs.")
    var epochs: Int = TrainingOptions().epochs

    @Option(name: .long, help: "Seed for initialisation, split, sampling and augmentation.")
    var seed: UInt64 = TrainingOptions().seed

    @Option(name: .long, help: "Fraction of each class held out for validation (0 for none).")
    var valSplit: Double = 0.2

    @Option(name: .long, help: "How photos are tied to items for the split: prefix (leading letters of the file name) or none.")
    var groupBy: String = ItemGrouping.byNamePrefix.rawValue

    @Option(name: .long, help: "Read the train/validation split from this file instead of making one.")
    var split: String?

    @Option(name: .long, help: "Write the train/validation split to this file (for `agritrace eval --split`).")
    var writeSplit: String?

    @Option(name: .long, help: "Threads (results are reproducible for a fixed value).")
    var jobs: Int = 1

    @Option(name: .long, help: "Mini-batch size.")
    var batchSize: Int = TrainingOptions().batchSize

    @Option(name: .long, help: "Optimiser: adamw or sgd (momentum 0.9).")
    var optimizer: String = TrainingOptions().optimizer.rawValue

    @Option(name: .long, help: "Peak learning rate (after warm-up; cosine decay after).")
    var learningRate: Float = TrainingOptions().learningRate

    @Option(name: .long, help: "Weight decay (decoupled for adamw, L2 for sgd).")
    var weightDecay: Float = TrainingOptions().weightDecay

    @Option(name: .long, help: "Warm-up epochs.")
    var warmupEpochs: Int = TrainingOptions().warmupEpochs

    @Option(name: .long, help: "Share of each target moved onto the neighbouring grades (ordered classes).")
    var ordinalSmoothing: Float = TrainingOptions().ordinalSmoothing

    @Flag(name: .long, help: "Sample photos as they come instead of every class equally often.")
    var noBalance = false

    @Flag(name: .long, help: "Turn off data augmentation.")
    var noAugment = false

    @Option(name: .long, help: "Scale of the rotation/scale/shift augmentation ranges (0: flips only).")
    var geometricAugmentation: Float = TrainingOptions().geometricAugmentation

    @Option(name: .long, help: "Largest relative brightness/contrast/saturation change in augmentation (0: none).")
    var colorJitter: Float = TrainingOptions().colorJitter

    @Option(name: .long, help: "Checkpoint file (default: MODEL.checkpoint).")
    var checkpoint: String?

    @Flag(name: .long, help: "Continue from the checkpoint.")
    var resume = false

    @Option(name: .long, help: "End after this epoch; the learning-rate schedule still spans --epochs and --resume continues.")
    var stopAfterEpoch: Int?

    func validate() throws {
        guard from == nil || arch == nil else { throw ValidationError("give either --arch or --from, not both") }
        guard freezeBlocks >= 0, from != nil || freezeBlocks == 0 else {
            throw ValidationError("--freeze-blocks needs --from and must not be negative")
        }
        guard Architecture(rawValue: arch ?? TrainingOptions().architecture.rawValue) != nil else {
            throw ValidationError("--arch must be one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard TrainingOptions.OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be adamw or sgd") }
        guard ItemGrouping(rawValue: groupBy) != nil else { throw ValidationError("--group-by must be prefix or none") }
        guard (8...512).contains(inputSize) else { throw ValidationError("--input-size must be 8...512") }
        guard epochs >= 1, batchSize >= 1, jobs >= 1, warmupEpochs >= 0 else {
            throw ValidationError("--epochs, --batch-size and --jobs must be at least 1")
        }
        guard stopAfterEpoch.map({ $0 >= 1 }) ?? true else { throw ValidationError("--stop-after-epoch must be at least 1") }
        guard (0..<1).contains(valSplit) else { throw ValidationError("--val-split must be in 0..<1") }
        guard (0..<1).contains(ordinalSmoothing) else { throw ValidationError("--ordinal-smoothing must be in 0..<1") }
        guard (0...1).contains(geometricAugmentation) else { throw ValidationError("--geometric-augmentation must be in 0...1") }
        guard (0..<1).contains(colorJitter) else { throw ValidationError("--color-jitter must be in 0..<1") }
        guard learningRate > 0, weightDecay >= 0 else { throw ValidationError("--learning-rate must be positive and --weight-decay not negative") }
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
            try dataSplit.text(for: folder, header: header).write(toFile: writeSplit, atomically: true, encoding: .utf8)
        }
        let heldItems = Set(dataSplit.validation.map { folder.photos[$0].item }).count
        err.write("\(folder.photos.count) photos in \(folder.labels.count) classes (\(folder.labels.joined(separator: ", "))); "
                  + "\(dataSplit.training.count) for training, \(dataSplit.validation.count) for validation (\(heldItems) items held out)\n")

        let cache = PhotoCache(photos: folder.photos, size: options.inputSize, jobs: jobs, decode: PhotoCache.imagingDecoder)
        for failure in cache.failures { err.write("skipped \(failure.path): \(failure.message)\n") }
        err.write("decoded \(folder.photos.count - cache.failures.count) photos at \(inputSize)x\(inputSize) in "
                  + String(format: "%.1fs", Date().timeIntervalSince(started)) + "\n")

        let trainer: Trainer
        do {
            trainer = try Trainer(folder: folder, split: dataSplit, cache: cache, options: options, backbone: backbone)
        } catch let error as BackboneError {
            throw CommandFailure(.usageError, "\(from ?? ""): \(error)")
        } catch let error as LayerShapeError {
            throw CommandFailure(.usageError, "\(from ?? "network") at --input-size \(inputSize): \(error)")
        }
        let network = trainer.network
        if let backbone {
            let description = try Backbone(model: backbone, inputSize: inputSize, classes: folder.labels.count,
                                           frozenBlocks: freezeBlocks, seed: seed)
            for (index, block) in description.blocks.enumerated() {
                err.write("block \(index + 1)\(index < freezeBlocks ? " (frozen)" : ""): \(block)\n")
            }
        }
        err.write("\(from ?? options.architecture.rawValue): \(network.layers.count) layers, \(network.trainableParameterCount) trained parameters, "
                  + "\(network.multiplyAccumulates) multiply-accumulates per image\n")
        let checkpointURL = URL(fileURLWithPath: checkpoint ?? out + ".checkpoint")
        if resume {
            try trainer.resume(from: checkpointURL)
            err.write("resumed after epoch \(trainer.completedEpochs); \(trainer.outcome)\n")
        }
        trainer.log = { err.write($0 + "\n") }
        let outURL = URL(fileURLWithPath: out)
        // Unchanged wording keeps the shipped model reproducible bit for bit (its id is the file's hash).
        let splitDescription = "val-split \(valSplit), group-by \(groupBy), seed \(seed)"
        try trainer.run(checkpoint: checkpointURL, stoppingAfterEpoch: stopAfterEpoch) { trainer in
            try trainer.exportedModel(trainedBy: "agritrace \(AgriTrace.version) train", splitDescription: splitDescription)
                .write(to: outURL)
        }
        err.write("\(trainer.outcome); model written to \(out); total time "
                  + String(format: "%.0fs", Date().timeIntervalSince(started)) + "\n")
        if !cache.failures.isEmpty {
            err.write("\(cache.failures.count) photos were unreadable and skipped\n")
            throw ExitStatus.needsAttention
        }
    }
}
