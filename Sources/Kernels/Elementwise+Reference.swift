// Layout NCHW for the per-channel operators.

/// output[i] = activation(a[i] + b[i]), one value at a time.
public func addActivateReference(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, epilogue: Epilogue,
                                 output: UnsafeMutablePointer<Float>) {
    for i in 0..<count { output[i] = epilogue.apply(a[i] + b[i]) }
}

/// output[i] = activation(input[i]), one value at a time.
public func activateReference(count: Int, input: UnsafePointer<Float>, epilogue: Epilogue,
                              output: UnsafeMutablePointer<Float>) {
    for i in 0..<count { output[i] = epilogue.apply(input[i]) }
}

/// Batch normalisation of one NCHW image by definition:
/// out = (x − mean[c]) / sqrt(variance[c] + epsilon) · gamma[c] + beta[c], in Double.
public func batchNormalizationReference(channels: Int, pixels: Int, input: UnsafePointer<Float>,
                                        gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float,
                                        output: UnsafeMutablePointer<Float>) {
    for c in 0..<channels {
        let inverse = 1 / (Double(variance[c]) + Double(epsilon)).squareRoot()
        for p in 0..<pixels {
            let x = Double(input[c * pixels + p])
            output[c * pixels + p] = Float((x - Double(mean[c])) * inverse * Double(gamma[c]) + Double(beta[c]))
        }
    }
}
