import Foundation
import Kernels

/// An image that does not fit the model's input.
public struct InputSizeError: Error, Equatable, CustomStringConvertible {
    public var expected: TensorShape
    public var width: Int
    public var height: Int
    public var byteCount: Int

    public var description: String {
        "the model takes \(expected.width)x\(expected.height) RGB images (\(expected.elementCount) bytes); "
            + "got \(width)x\(height) with \(byteCount) bytes"
    }
}

extension Model {
    /// Turns interleaved RGB8 pixels (row-major, no padding) of exactly the model's input size into the
    /// network input: NCHW floats, x = (pixel / 255 − mean[c]) / std[c]. Resizing is the caller's job
    /// (Imaging's decode-to-size), so training and grading preprocess identically.
    public func preprocess(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) throws -> [Float] {
        let s = inputShape
        guard s.channels == 3, width == s.width, height == s.height, rgb.count == width * height * 3 else {
            throw InputSizeError(expected: s, width: width, height: height, byteCount: rgb.count)
        }
        let pixels = width * height
        var out = [Float](repeating: 0, count: 3 * pixels)
        for c in 0..<3 {
            // Folded into one multiply-add per value: (p/255 − m)/s = p · (1/(255 s)) − m/s.
            let scale = 1 / (255 * normalization.std[c]), offset = -normalization.mean[c] / normalization.std[c]
            for p in 0..<pixels { out[c * pixels + p] = Float(rgb[p * 3 + c]) * scale + offset }
        }
        return out
    }

    public func preprocess(rgb: [UInt8], width: Int, height: Int) throws -> [Float] {
        try rgb.withUnsafeBufferPointer { try preprocess(rgb: $0, width: width, height: height) }
    }

    /// Whether the graph already ends in a softmax (its output is probabilities).
    public var outputsProbabilities: Bool {
        if case .softmax = graph.node(named: graph.output)?.operation { return true }
        return false
    }

    /// `output` as the network computed it, refused when any value is NaN or infinite: no class
    /// or grade may come of it (a model whose weights overflow, or a normalisation dividing by a
    /// standard deviation near zero, gives such outputs for some or all photos).
    public func checkedOutput(_ output: [Float]) throws -> [Float] {
        guard output.allSatisfy(\.isFinite) else {
            throw ModelError(file: id, reason: "the network's output is not a finite number (NaN or infinity) for this input: the model or its normalisation cannot classify it")
        }
        return output
    }

    /// Calibrated class probabilities from the graph output: softmax(logits / temperature), with the
    /// model's stored temperature. The one conversion every consumer (grading, classify, eval) uses.
    public func probabilities(fromOutput output: [Float]) -> [Float] {
        probabilities(fromOutput: output, temperature: calibration.temperature)
    }

    /// Class probabilities at a given temperature (1: the network's own, uncalibrated).
    public func probabilities(fromOutput output: [Float], temperature: Float) -> [Float] {
        if outputsProbabilities && temperature == 1 { return output }
        var p = logits(fromOutput: output)
        if temperature != 1 { for i in p.indices { p[i] /= temperature } }
        softmax(&p, count: p.count)
        return p
    }

    /// Logits from the graph output: as is, or, when the graph ends in a softmax, the log of its
    /// probabilities (logits up to a shift, which softmax ignores). Probabilities are clamped to the
    /// smallest normal float first so an underflowed 0 gives a very negative logit, not -inf.
    public func logits(fromOutput output: [Float]) -> [Float] {
        guard outputsProbabilities else { return output }
        return output.map { log(max($0, .leastNormalMagnitude)) }
    }
}
