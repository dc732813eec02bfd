/// Updates trainable parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// One update with learning rate `learningRate`; gradients are read, not cleared.
    func step(_ parameters: [Parameter], learningRate: Float)
    /// Per-parameter state (momentum, moments) for checkpoints, in parameter order.
    var state: [[Float]] { get set }
    var stepCount: Int { get set }
}

/// SGD with (heavy-ball) momentum and L2 weight decay on weights, as in PyTorch's `SGD`.
public final class SGDMomentum: Optimizer {
    public let momentum: Float, weightDecay: Float
    public var state: [[Float]] = []
    public var stepCount = 0

    public init(momentum: Float = 0.9, weightDecay: Float = 5e-4) {
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        let trainable = parameters.filter(\.isTrainable)
        if state.count != trainable.count { state = trainable.map { [Float](repeating: 0, count: $0.value.count) } }
        for (index, parameter) in trainable.enumerated() {
            let decay = parameter.decays ? weightDecay : 0
            for i in parameter.value.indices {
                let g = parameter.gradient[i] + decay * parameter.value[i]
                state[index][i] = momentum * state[index][i] + g
                parameter.value[i] -= learningRate * state[index][i]
            }
        }
        stepCount += 1
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), as in PyTorch's `AdamW`.
public final class AdamW: Optimizer {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public var state: [[Float]] = []   // first moments then second moments, per parameter
    public var stepCount = 0

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        let trainable = parameters.filter(\.isTrainable)
        if state.count != 2 * trainable.count {
            state = (trainable + trainable).map { [Float](repeating: 0, count: $0.value.count) }
        }
        stepCount += 1
        let correction1 = 1 - pow(beta1, Float(stepCount)), correction2 = 1 - pow(beta2, Float(stepCount))
        let count = trainable.count
        for (index, parameter) in trainable.enumerated() {
            let decay = parameter.decays ? weightDecay : 0
            for i in parameter.value.indices {
                let g = parameter.gradient[i]
                state[index][i] = beta1 * state[index][i] + (1 - beta1) * g
                state[count + index][i] = beta2 * state[count + index][i] + (1 - beta2) * g * g
                let mHat = state[index][i] / correction1, vHat = state[count + index][i] / correction2
                parameter.value[i] -= learningRate * (mHat / (vHat.squareRoot() + epsilon) + decay * parameter.value[i])
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
