/// A trainable tensor and its gradient, or (with `isTrainable == false`) a layer buffer such as
/// batch-norm running statistics that is saved in checkpoints but never updated by an optimiser.
public final class Parameter {
    public let name: String
    public var value: [Float]
    public var gradient: [Float]
    public let isTrainable: Bool
    /// Weight decay applies to weights only; biases and batch-norm scales/offsets are exempt.
    public let decays: Bool

    public init(name: String, value: [Float], isTrainable: Bool = true, decays: Bool = false) {
        self.name = name
        self.value = value
        self.gradient = [Float](repeating: 0, count: isTrainable ? value.count : 0)
        self.isTrainable = isTrainable
        self.decays = decays
    }

    public func zeroGradient() {
        for i in gradient.indices { gradient[i] = 0 }
    }
}
