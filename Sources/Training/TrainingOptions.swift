/// Everything that determines a training run's result (with the data and the split).
public struct TrainingOptions: Codable, Sendable, Equatable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case adamw, sgd }

    public var architecture: Architecture = .compact
    public var inputSize = 64
    public var epochs = 30
    public var batchSize = 32
    public var seed: UInt64 = 1
    public var optimizer: OptimizerKind = .adamw
    /// Peak learning rate after warm-up.
    public var learningRate: Float = 3e-3
    public var weightDecay: Float = 0.05
    public var warmupEpochs = 1
    /// Share of the target spread onto neighbouring grades (see `SoftmaxCrossEntropy`).
    public var ordinalSmoothing: Float = 0.1
    /// Draw every class equally often per epoch (FGrade's class 0 has 8x more photos).
    public var balancedSampling = true
    public var augmentation = true
    /// Multiplies the rotation, scale and shift ranges of `Augmentation` (0: flips only).
    public var geometricAugmentation: Float = 1
    /// Largest relative change of brightness, contrast and saturation (0 turns colour jitter off).
    public var colorJitter: Float = 0.05
    public var jobs = 1
    /// Fine-tuning an imported model instead of building `architecture` (`--from`).
    public var backbone: BackboneOptions?

    public init() {}

    /// Options that must match to resume from a checkpoint (only jobs may change).
    func isResumable(from other: TrainingOptions) -> Bool {
        var a = self, b = other
        a.jobs = 0; b.jobs = 0
        return a == b
    }
}

/// Which imported model a fine-tuning run starts from, and how much of it stays fixed.
public struct BackboneOptions: Codable, Sendable, Equatable {
    /// The starting model's id (SHA-256 of its file).
    public var modelID: String
    public var frozenBlocks: Int

    public init(modelID: String, frozenBlocks: Int) {
        self.modelID = modelID
        self.frozenBlocks = frozenBlocks
    }
}
