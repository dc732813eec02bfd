import Foundation
import Kernels

extension Network {
    /// How long one step of the plan took on one image: what a profiler of the fast executor reads.
    public struct StepTiming: Sendable {
        /// The step and its shape, e.g. "conv 144x32x32 -> 24 k 1x1 s 1 (relu6)".
        public var step: String
        /// Best wall time of this step over the profiled runs, in seconds.
        public var seconds: Double
        /// Median wall time over the runs: far above the best when the step's data is sometimes still in
        /// the caches and sometimes not.
        public var medianSeconds: Double
        /// Multiply-accumulates of the step (convolutions only; 0 otherwise).
        public var multiplyAccumulates: Int
    }

    /// Runs one image `runs` times, timing every step by itself (wall clock, best and median of the runs), on the
    /// given workspace. The steps and kernels are those of `run(input:output:workspace:)`.
    public func profile(input: UnsafePointer<Float>, workspace: Workspace, runs: Int) -> [StepTiming] {
        precondition(workspace.network === self, "Network.profile: the workspace was made by another network")
        precondition(runs >= 1, "Network.profile: at least one run")
        var times = [[Double]](repeating: [], count: plan.steps.count)
        let clock = ContinuousClock()
        for _ in 0..<runs {
            toChannelsLast(input, channels: inputShape.channels, pixels: inputShape.pixels, output: workspace.slots[plan.inputSlot])
            for (i, step) in plan.steps.enumerated() {
                let elapsed = clock.measure { execute(step, workspace) }
                let (seconds, attoseconds) = elapsed.components
                times[i].append(Double(seconds) + Double(attoseconds) * 1e-18)
            }
        }
        return zip(plan.steps, times).map { step, times in
            let sorted = times.sorted()
            return StepTiming(step: step.summary, seconds: sorted[0], medianSeconds: sorted[sorted.count / 2],
                              multiplyAccumulates: step.multiplyAccumulates)
        }
    }
}

extension NetworkPlan.Step {
    var summary: String {
        switch self {
        case .convolution(let s, _, _, let epilogue, _, let residual, _):
            let kind = s.isDepthwise ? "depthwise" : s.groups > 1 ? "grouped conv" : "conv"
            let pad = s.hasPadding ? " pad \(s.padTop),\(s.padLeft),\(s.padBottom),\(s.padRight)" : ""
            return "\(kind) \(s.inputChannels)x\(s.inputHeight)x\(s.inputWidth) -> \(s.outputChannels)x\(s.outputHeight)x\(s.outputWidth)"
                + " k \(s.kernelHeight)x\(s.kernelWidth) s \(s.strideY)\(pad)" + (residual == nil ? "" : " +residual")
                + (epilogue.isIdentity ? "" : " (\(epilogue == .relu6 ? "relu6" : epilogue == .relu ? "relu" : "activation"))")
        case .scaleShift(let pixels, let channels, _, _, _, _, _): return "scale-shift \(channels) x \(pixels) pixels"
        case .activation(let count, _, _, _): return "activation \(count)"
        case .curve(let count, let a, _, _): return "\(a) \(count)"
        case .add(let count, _, _, _, _): return "add \(count)"
        case .multiply(let count, _, _, _): return "multiply \(count)"
        case .scaleChannels(let pixels, let channels, _, _, _, _): return "scale channels \(channels) x \(pixels) pixels"
        case .concat(let pixels, let channels, _, _): return "concat \(channels) x \(pixels) pixels"
        case .maxPool(let s, _, _): return "max \(s)"
        case .averagePool(let s, _, _, _): return "average \(s)"
        case .globalAveragePool(let pixels, let channels, _, _): return "global average pool \(channels) x \(pixels) pixels"
        case .globalMaxPool(let pixels, let channels, _, _): return "global max pool \(channels) x \(pixels) pixels"
        case .softmax(let count, _, _): return "softmax \(count)"
        case .logSoftmax(let count, _, _): return "log-softmax \(count)"
        case .prelu(let pixels, let channels, _, _, _): return "prelu \(channels) x \(pixels) pixels"
        case .toChannelMajor(let shape, _, _): return "to channel-major \(shape)"
        }
    }

    var multiplyAccumulates: Int {
        if case .convolution(let s, _, _, _, _, _, _) = self { return s.multiplyAccumulates }
        return 0
    }
}
