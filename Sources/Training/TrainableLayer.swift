/// What a layer needs to know about the step it runs in.
public struct ExecutionContext: Sendable {
    /// Training mode: batch-norm uses batch statistics and layers keep what backward needs.
    public var isTraining: Bool
    /// Threads for the heavy loops; results are reproducible for a fixed value.
    public var jobs: Int

    public init(isTraining: Bool, jobs: Int = 1) {
        self.isTraining = isTraining
        self.jobs = max(1, jobs)
    }
}

/// One operator of a trainable network with a hand-written backward pass.
///
/// `forward` in training mode caches what `backward` needs; `backward` receives dLoss/dOutput,
/// ADDS the parameter gradients into `Parameter.gradient` and returns dLoss/dInput.
public protocol TrainableLayer: AnyObject {
    /// A short description for logs and `model info`-style listings, e.g. "conv3x3 16->32 s2".
    var summary: String { get }
    func outputShape(for input: BatchShape) throws -> BatchShape
    func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor
    func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor
    /// Trainable parameters followed by buffers, in a fixed order (checkpoints rely on it).
    var parameters: [Parameter] { get }
    /// Multiply-accumulates per image for an input of this shape (forward pass).
    func multiplyAccumulates(for input: BatchShape) -> Int
}

extension TrainableLayer {
    public var parameters: [Parameter] { [] }
    public func multiplyAccumulates(for input: BatchShape) -> Int { 0 }
}

/// Thrown when layers are stacked with incompatible shapes.
public struct LayerShapeError: Error, CustomStringConvertible {
    public let layer: String
    public let input: BatchShape
    public let reason: String
    public var description: String { "\(layer): input \(input): \(reason)" }
}
