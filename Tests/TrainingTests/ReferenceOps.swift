import Foundation
import Training

// Double-precision, textbook-loop twins of the training layers (NHWC, weights HWIO), used as
// the ground truth for forward checks and for finite-difference gradients.
enum ReferenceOps {
    static func conv(_ x: [Double], _ s: BatchShape, weight: [Double], bias: [Double]?, outChannels: Int,
                     kernel: Int, stride: Int, padding: Int, groups: Int) -> (values: [Double], shape: BatchShape) {
        conv(x, s, weight: weight, bias: bias, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
             stride: stride, pads: (padding, padding, padding, padding), groups: groups)
    }

    /// `pads` are (top, left, bottom, right).
    static func conv(_ x: [Double], _ s: BatchShape, weight: [Double], bias: [Double]?, outChannels: Int,
                     kernelHeight kh: Int, kernelWidth kw: Int, stride: Int, pads: (Int, Int, Int, Int),
                     groups: Int) -> (values: [Double], shape: BatchShape) {
        let oh = (s.h + pads.0 + pads.2 - kh) / stride + 1, ow = (s.w + pads.1 + pads.3 - kw) / stride + 1
        let cg = s.c / groups, og = outChannels / groups
        var y = [Double](repeating: 0, count: s.n * oh * ow * outChannels)
        for n in 0..<s.n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<outChannels {
            let g = o / og
            var sum = bias?[o] ?? 0
            for ky in 0..<kh { for kx in 0..<kw { for ci in 0..<cg {
                let iy = oy * stride - pads.0 + ky, ix = ox * stride - pads.1 + kx
                guard iy >= 0, iy < s.h, ix >= 0, ix < s.w else { continue }
                sum += x[((n * s.h + iy) * s.w + ix) * s.c + g * cg + ci] * weight[((ky * kw + kx) * cg + ci) * outChannels + o]
            } } }
            y[((n * oh + oy) * ow + ox) * outChannels + o] = sum
        } } } }
        return (y, BatchShape(n: s.n, h: oh, w: ow, c: outChannels))
    }

    static func batchNormTraining(_ x: [Double], channels c: Int, scale: [Double], offset: [Double], epsilon: Double) -> [Double] {
        let positions = x.count / c
        var y = x
        for j in 0..<c {
            var mean = 0.0
            for p in 0..<positions { mean += x[p * c + j] }
            mean /= Double(positions)
            var variance = 0.0
            for p in 0..<positions { variance += (x[p * c + j] - mean) * (x[p * c + j] - mean) }
            variance /= Double(positions)
            for p in 0..<positions { y[p * c + j] = (x[p * c + j] - mean) / (variance + epsilon).squareRoot() * scale[j] + offset[j] }
        }
        return y
    }

    static func activation(_ x: [Double], _ kind: ActivationLayer.Kind) -> [Double] {
        x.map { v in
            switch kind {
            case .relu: max(v, 0)
            case .relu6: min(max(v, 0), 6)
            case .leakyReLU(let slope): v < 0 ? v * Double(slope) : v
            }
        }
    }

    static func pool(_ x: [Double], _ s: BatchShape, max isMax: Bool, kernel: Int, stride: Int, padding: Int) -> [Double] {
        let oh = (s.h + 2 * padding - kernel) / stride + 1, ow = (s.w + 2 * padding - kernel) / stride + 1
        var y: [Double] = []
        for n in 0..<s.n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<s.c {
            var values: [Double] = []
            for ky in 0..<kernel { for kx in 0..<kernel {
                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                if iy >= 0, iy < s.h, ix >= 0, ix < s.w { values.append(x[((n * s.h + iy) * s.w + ix) * s.c + ch]) }
            } }
            y.append(isMax ? values.max()! : values.reduce(0, +) / Double(values.count))
        } } } }
        return y
    }

    static func globalAveragePool(_ x: [Double], _ s: BatchShape) -> [Double] {
        var y = [Double](repeating: 0, count: s.n * s.c)
        for n in 0..<s.n { for p in 0..<(s.h * s.w) { for ch in 0..<s.c { y[n * s.c + ch] += x[(n * s.h * s.w + p) * s.c + ch] / Double(s.h * s.w) } } }
        return y
    }

    static func dense(_ x: [Double], batch: Int, weight: [Double], bias: [Double]) -> [Double] {
        let inputs = x.count / batch, outputs = bias.count
        var y = [Double](repeating: 0, count: batch * outputs)
        for n in 0..<batch { for o in 0..<outputs {
            var sum = bias[o]
            for i in 0..<inputs { sum += x[n * inputs + i] * weight[i * outputs + o] }
            y[n * outputs + o] = sum
        } }
        return y
    }

    /// Mean over the batch of −Σ target·log softmax(logits).
    static func softmaxCrossEntropy(_ logits: [Double], classes: Int, targets: [[Double]]) -> Double {
        var loss = 0.0
        for (n, target) in targets.enumerated() {
            let row = Array(logits[(n * classes)..<((n + 1) * classes)])
            let m = row.max()!
            let logSum = m + log(row.reduce(0) { $0 + exp($1 - m) })
            for j in 0..<classes { loss -= target[j] * (row[j] - logSum) }
        }
        return loss / Double(targets.count)
    }
}
