import Deterministic
import Foundation
import NeuralNet

/// Runs mini-batch training over a cached dataset: balanced sampling, augmentation, the
/// learning-rate schedule, validation after every epoch, keep-best and checkpoints.
///
/// Reproducibility: every random choice comes from `SeededRandom(seed:stream:)` keyed by what it
/// is for (epoch, sample slot), never from shared generator state, so a resumed run continues
/// exactly as an uninterrupted one, and a given `jobs` always gives the same result.
public final class Trainer {
    public let options: TrainingOptions
    public let folder: LabelledFolder
    public let split: DatasetSplit
    public let cache: PhotoCache
    public let network: TrainableNetwork
    public let optimizer: Optimizer
    public let mean: [Float], std: [Float]
    public let loss: SoftmaxCrossEntropy
    public private(set) var completedEpochs = 0
    /// What keep-best compares: validation macro-F1, or without a validation split the epoch
    /// number (so the last epoch is kept). Stored in checkpoints.
    private(set) var bestScore = -1.0
    /// The epoch whose weights are kept.
    public private(set) var bestEpoch = 0
    public private(set) var history: [EpochReport] = []
    /// Receives progress lines.
    public var log: (String) -> Void = { _ in }

    /// The `architecture` metadata of the model fine-tuned from, if any.
    let backboneArchitecture: String?

    /// Training and validation photos that decoded.
    public let trainingPhotos: [Int], validationPhotos: [Int]

    /// The kept epoch's validation macro-F1; nil without a validation split (nothing was measured).
    public var bestMacroF1: Double? {
        validationPhotos.isEmpty || bestEpoch == 0 ? nil : bestScore
    }

    /// One line on the kept model, for the end of a run.
    public var outcome: String {
        if let bestMacroF1 { return "best epoch \(bestEpoch): validation macro-F1 \(String(format: "%.4f", bestMacroF1))" }
        return "kept the last epoch, \(bestEpoch) (no validation split, so no validation score)"
    }

    /// The kept network as a model file's contents, with metadata saying how it was trained.
    /// `trainedBy` names the program, `splitDescription` how the validation split was made;
    /// `lastEpoch`: the network holds the run's last epoch, not its best.
    public func exportedModel(trainedBy: String, splitDescription: String, lastEpoch: Bool = false) throws -> Model {
        let o = options
        var metadata = [
            "architecture": o.architecture.rawValue,
            "trained_by": trainedBy,
            "training": "seed \(o.seed), epochs \(o.epochs), batch \(o.batchSize), \(o.optimizer.rawValue) lr \(o.learningRate) "
                + "wd \(o.weightDecay), warm-up \(o.warmupEpochs), ordinal smoothing \(o.ordinalSmoothing), "
                + "balanced \(o.balancedSampling), augmentation \(o.augmentation) (geometric \(o.geometricAugmentation), "
                + "colour jitter \(o.colorJitter)), jobs \(o.jobs)",
            "split": splitDescription,
            "epoch": "\(lastEpoch ? completedEpochs : bestEpoch)",
        ]
        let score = lastEpoch ? (validationPhotos.isEmpty ? nil : history.last?.validationMacroF1) : bestMacroF1
        metadata["validation_macro_f1"] = score.map { String(format: "%.4f", $0) }
        if let backbone = o.backbone {
            metadata["architecture"] = (backboneArchitecture ?? "imported model") + ", fine-tuned"
            metadata["backbone"] = "model \(backbone.modelID), first \(backbone.frozenBlocks) blocks frozen, input \(o.inputSize)"
        }
        return try ModelExport.model(of: network, labels: folder.labels, mean: mean, std: std, metadata: metadata)
    }

    /// `backbone` is the imported model that `options.backbone` names (`--from`); its input
    /// normalisation is kept, since its weights expect it.
    public init(folder: LabelledFolder, split: DatasetSplit, cache: PhotoCache, options: TrainingOptions,
                backbone: Model? = nil) throws {
        self.options = options
        self.folder = folder
        self.split = split
        self.cache = cache
        trainingPhotos = split.training.filter { cache.slots[$0] != nil }
        validationPhotos = split.validation.filter { cache.slots[$0] != nil }
        guard !trainingPhotos.isEmpty else {
            throw DatasetError(path: folder.root.path, reason: "no usable training photos")
        }
        if let backboneOptions = options.backbone {
            guard let backbone, backbone.id == backboneOptions.modelID else {
                throw BackboneError(reason: "the options name model \(backboneOptions.modelID), a different model was given")
            }
            (mean, std) = (backbone.normalization.mean, backbone.normalization.std)
            backboneArchitecture = backbone.metadata["architecture"] ?? backbone.metadata["source"]
            network = try Backbone(model: backbone, inputSize: options.inputSize, classes: folder.labels.count,
                                   frozenBlocks: backboneOptions.frozenBlocks, seed: options.seed).network
        } else {
            (mean, std) = cache.channelStatistics(of: trainingPhotos)
            backboneArchitecture = nil
            network = try options.architecture.build(inputSize: options.inputSize, classes: folder.labels.count, seed: options.seed)
        }
        switch options.optimizer {
        case .adamw: optimizer = AdamW(weightDecay: options.weightDecay)
        case .sgd: optimizer = SGDMomentum(momentum: 0.9, weightDecay: options.weightDecay)
        }
        loss = SoftmaxCrossEntropy(ordinalSmoothing: options.ordinalSmoothing)
    }

    public var stepsPerEpoch: Int { max(trainingPhotos.count / options.batchSize, 1) }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: options.learningRate, warmupSteps: options.warmupEpochs * stepsPerEpoch,
                             totalSteps: options.epochs * stepsPerEpoch, floor: options.learningRate * 0.01)
    }

    /// The training-time augmentation these options ask for.
    public var augmentation: Augmentation {
        guard options.augmentation else { return .none }
        var a = Augmentation()
        a.brightness = options.colorJitter
        a.contrast = options.colorJitter
        a.saturation = options.colorJitter
        let g = options.geometricAugmentation
        a.maxRotationDegrees *= g
        a.maxShift *= g
        a.scaleRange = (1 - (1 - a.scaleRange.lowerBound) * g)...(1 + (a.scaleRange.upperBound - 1) * g)
        return a
    }

    var context: ExecutionContext { ExecutionContext(isTraining: true, jobs: options.jobs) }

    /// Runs the remaining epochs. `onImprovement` is called when validation macro-F1 reaches a new
    /// best (the network then holds the best weights); `checkpoint` is written after every epoch.
    /// `stoppingAfterEpoch` ends the run early (the schedule still spans `options.epochs`).
    public func run(checkpoint: URL?, stoppingAfterEpoch: Int? = nil,
                    onImprovement: (Trainer) throws -> Void) throws {
        var epochSeconds: [Double] = []
        while completedEpochs < min(options.epochs, stoppingAfterEpoch ?? .max) {
            let epoch = completedEpochs + 1
            let started = Date()
            let (trainLoss, trainAccuracy) = trainEpoch(epoch)
            let matrix = evaluate(validationPhotos).matrix
            let seconds = Date().timeIntervalSince(started)
            epochSeconds.append(seconds)
            let report = EpochReport(epoch: epoch, loss: trainLoss, trainingAccuracy: trainAccuracy,
                                     validationAccuracy: matrix.accuracy, validationMacroF1: matrix.macroF1, seconds: seconds)
            history.append(report)
            completedEpochs = epoch
            // Without a validation split the last epoch counts as the best.
            let score = validationPhotos.isEmpty ? Double(epoch) : matrix.macroF1
            if score > bestScore {
                bestScore = score
                bestEpoch = epoch
                try onImprovement(self)
            }
            if let checkpoint { try Checkpoint(trainer: self).write(to: checkpoint) }
            let average = epochSeconds.reduce(0, +) / Double(epochSeconds.count)
            log(report.line(totalEpochs: options.epochs, best: bestMacroF1.map { ($0, bestEpoch) },
                            etaSeconds: average * Double(options.epochs - epoch)))
        }
    }

    /// The photo (index into `folder.photos`) for every sample slot of an epoch.
    public func epochSamples(_ epoch: Int) -> [Int] {
        var random = SeededRandom(seed: options.seed, stream: 1, UInt64(epoch))
        guard options.balancedSampling else { return trainingPhotos.shuffled(using: &random) }
        let byClass = (0..<folder.labels.count).map { label in trainingPhotos.filter { folder.photos[$0].label == label } }
            .filter { !$0.isEmpty }
        var permutations = byClass.map { $0.shuffled(using: &random) }
        var taken = [Int](repeating: 0, count: byClass.count)
        var samples: [Int] = []
        samples.reserveCapacity(trainingPhotos.count)
        for slot in 0..<trainingPhotos.count {
            let c = slot % byClass.count
            if taken[c] == permutations[c].count {
                permutations[c].shuffle(using: &random)
                taken[c] = 0
            }
            samples.append(permutations[c][taken[c]])
            taken[c] += 1
        }
        return samples.shuffled(using: &random)
    }

    /// One pass over the epoch's samples; returns mean loss and accuracy on the augmented batches.
    public func trainEpoch(_ epoch: Int) -> (loss: Double, accuracy: Double) {
        let samples = epochSamples(epoch)
        let batchSize = min(options.batchSize, samples.count)
        var totalLoss = 0.0, correct = 0, seen = 0
        for step in 0..<stepsPerEpoch {
            let batch = Array(samples[(step * batchSize)..<((step + 1) * batchSize)])
            let input = makeBatch(batch, augmentation: augmentation,
                                  epoch: epoch, firstSlot: step * batchSize)
            let labels = batch.map { folder.photos[$0].label }
            network.zeroGradients()
            let logits = network.forward(input, context: context)
            let result = loss.evaluate(logits: logits, labels: labels)
            network.backward(result.gradient, context: context)
            let globalStep = (epoch - 1) * stepsPerEpoch + step
            optimizer.step(network.updatedParameters, learningRate: schedule.rate(atStep: globalStep))
            totalLoss += Double(result.loss) * Double(batch.count)
            correct += zip(result.probabilities, labels).filter { $0.0.argmax == $0.1 }.count
            seen += batch.count
        }
        return (totalLoss / Double(max(seen, 1)), Double(correct) / Double(max(seen, 1)))
    }

    /// Normalised NHWC input for the given photos; augmentation draws from a stream per sample slot.
    func makeBatch(_ photos: [Int], augmentation: Augmentation, epoch: Int, firstSlot: Int) -> BatchTensor {
        let size = options.inputSize
        var batch = BatchTensor(zeros: BatchShape(n: photos.count, h: size, w: size, c: 3))
        let perImage = size * size * 3, bytes = cache.bytesPerPhoto
        let seed = options.seed
        batch.data.withUnsafeMutableBufferPointer { out in
            cache.pixels.withUnsafeBufferPointer { pixels in
                parallelChunks(photos.count, jobs: options.jobs) { _, range in
                    for i in range {
                        var random = SeededRandom(seed: seed, stream: 2, UInt64(epoch), UInt64(firstSlot + i))
                        augmentation.apply(pixels.baseAddress! + cache.slots[photos[i]]! * bytes, size: size,
                                           mean: mean, std: std, random: &random, into: out.baseAddress! + i * perImage)
                    }
                }
            }
        }
        return batch
    }

    /// Class probabilities for the given photos (inference mode, no augmentation) and the
    /// confusion matrix against their labels.
    public func evaluate(_ photos: [Int]) -> (matrix: ConfusionMatrix, probabilities: [[Float]]) {
        var matrix = ConfusionMatrix(classes: folder.labels.count)
        var probabilities: [[Float]] = []
        let inference = ExecutionContext(isTraining: false, jobs: options.jobs)
        var start = 0
        while start < photos.count {
            let chunk = Array(photos[start..<min(start + 64, photos.count)])
            let logits = network.forward(makeBatch(chunk, augmentation: .none, epoch: 0, firstSlot: 0), context: inference)
            let classes = logits.shape.c
            for (i, photo) in chunk.enumerated() {
                let p = SoftmaxCrossEntropy.softmax(Array(logits.data[(i * classes)..<((i + 1) * classes)]))
                matrix.add(truth: folder.photos[photo].label, prediction: p.argmax)
                probabilities.append(p)
            }
            start += chunk.count
        }
        return (matrix, probabilities)
    }

    func restore(from checkpoint: Checkpoint) throws {
        guard checkpoint.header.options.isResumable(from: options) else {
            throw CheckpointError(path: "", reason: "was written with different training options")
        }
        guard checkpoint.header.labels == folder.labels else {
            throw CheckpointError(path: "", reason: "was written for labels \(checkpoint.header.labels)")
        }
        let parameters = network.parameters
        guard checkpoint.parameters.count == parameters.count,
              zip(checkpoint.parameters, parameters).allSatisfy({ $0.count == $1.value.count }) else {
            throw CheckpointError(path: "", reason: "parameter shapes do not match the architecture")
        }
        for (values, parameter) in zip(checkpoint.parameters, parameters) { parameter.value = values }
        optimizer.state = checkpoint.optimizerState
        optimizer.stepCount = checkpoint.header.optimizerSteps
        completedEpochs = checkpoint.header.completedEpochs
        bestScore = checkpoint.header.bestMacroF1
        bestEpoch = checkpoint.header.bestEpoch
        history = checkpoint.header.history
    }

    /// Continues a run from a checkpoint written by `run`.
    public func resume(from url: URL) throws {
        let checkpoint = try Checkpoint(contentsOf: url)
        do { try restore(from: checkpoint) } catch let error as CheckpointError {
            throw CheckpointError(path: url.path, reason: error.reason)
        }
    }
}
