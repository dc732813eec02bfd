// Legend: C channels, H/W size, KH/KW kernel extent, G groups. Layout NCHW, weights OIHW.

/// Convolution by its definition, one NCHW image: the twin `convolutionNHWC` is tested against.
/// out[o][y][x] = bias[o] + Σ_{i,ky,kx} w[o][i][ky][kx] · in[g·Cin/G + i][y·sy + ky − pt][x·sx + kx − pl],
/// out-of-image taps reading zero. Accumulates in Double.
public func convolutionReference(shape s: ConvolutionShape, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
    let inG = s.inputChannelsPerGroup, outG = s.outputChannelsPerGroup
    let oh = s.outputHeight, ow = s.outputWidth
    for o in 0..<s.outputChannels {
        let g = o / outG
        for y in 0..<oh {
            for x in 0..<ow {
                var sum = Double(bias?[o] ?? 0)
                for i in 0..<inG {
                    let channel = g * inG + i
                    for ky in 0..<s.kernelHeight {
                        let iy = y * s.strideY + ky - s.padTop
                        guard iy >= 0 && iy < s.inputHeight else { continue }
                        for kx in 0..<s.kernelWidth {
                            let ix = x * s.strideX + kx - s.padLeft
                            guard ix >= 0 && ix < s.inputWidth else { continue }
                            let w = weights[((o * inG + i) * s.kernelHeight + ky) * s.kernelWidth + kx]
                            sum += Double(w) * Double(input[(channel * s.inputHeight + iy) * s.inputWidth + ix])
                        }
                    }
                }
                output[(o * oh + y) * ow + x] = Float(sum)
            }
        }
    }
}
