// Legend: N batch, C channels, H/W size, KH/KW kernel extent, G groups, Cp channels rounded up.
import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// Whether `convolutionNHWC` wants its input already carrying the zero border (`padNHWC`): the
/// implicit GEMM does; the depthwise kernel reads the unpadded image and skips border taps itself.
public func convolutionNeedsPaddedInput(_ shape: ConvolutionShape) -> Bool {
    shape.hasPadding && !shape.isDepthwise
}

/// Fast convolution of one NHWC image: packs nothing, allocates nothing.
/// - input: [H][W][C], or [Hp][Wp][C] including the zero border (see `padNHWC`) when
///   `convolutionNeedsPaddedInput(shape)`.
/// - packedWeights: from `packConvolutionWeights(_:shape:)`.
/// - bias: [Cout] or nil; residual: [OH][OW][Cout] added before the activation, or nil.
/// - output: [OH][OW][Cout], must not alias the input or the residual.
public func convolutionNHWC(
    shape: ConvolutionShape, input: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, epilogue: Epilogue,
    output: UnsafeMutablePointer<Float>
) {
    precondition(shape.isValid, "convolutionNHWC: invalid shape \(shape)")
    switch (shape.isDepthwise, KernelISA.active) {
    case (true, .avx512):
        KernelsAVX512.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                              bias: bias, residual: residual, epilogue: epilogue, output: output)
    case (true, .avx2):
        KernelsAVX2.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                             bias: bias, residual: residual, epilogue: epilogue, output: output)
    case (true, .generic):
        KernelsGeneric.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                bias: bias, residual: residual, epilogue: epilogue, output: output)
    case (false, .avx512):
        KernelsAVX512.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                     bias: bias, residual: residual, epilogue: epilogue, output: output)
    case (false, .avx2):
        KernelsAVX2.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                    bias: bias, residual: residual, epilogue: epilogue, output: output)
    case (false, .generic):
        KernelsGeneric.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                       bias: bias, residual: residual, epilogue: epilogue, output: output)
    }
}

/// Rearranges OIHW weights ([Cout][Cin/G][KH][KW]) for `convolutionNHWC`, once at model load.
/// Depthwise: [KH*KW][Cp] with zero lanes past C (Cp = `depthwisePackedChannels`). Otherwise per group,
/// per 16-wide panel of output channels: [KH][KW][Cin/G][16], zero columns past the group's last output channel.
public func packConvolutionWeights(_ weights: [Float], shape s: ConvolutionShape) -> [Float] {
    precondition(weights.count == s.weightCount, "packConvolutionWeights: \(weights.count) weights for \(s)")
    let kh = s.kernelHeight, kw = s.kernelWidth, taps = kh * kw
    if s.isDepthwise {
        let c = s.inputChannels, cp = s.depthwisePackedChannels
        var packed = [Float](repeating: 0, count: taps * cp)
        for ch in 0..<c {
            for t in 0..<taps { packed[t * cp + ch] = weights[ch * taps + t] }
        }
        return packed
    }
    let inG = s.inputChannelsPerGroup, outG = s.outputChannelsPerGroup
    let panels = (outG + 15) / 16, panelSize = taps * inG * 16
    var packed = [Float](repeating: 0, count: s.groups * panels * panelSize)
    for g in 0..<s.groups {
        for q in 0..<panels {
            let base = (g * panels + q) * panelSize
            for column in 0..<min(16, outG - q * 16) {
                let o = g * outG + q * 16 + column
                for y in 0..<kh {
                    for x in 0..<kw {
                        for i in 0..<inG {
                            packed[base + ((y * kw + x) * inG + i) * 16 + column] = weights[((o * inG + i) * kh + y) * kw + x]
                        }
                    }
                }
            }
        }
    }
    return packed
}

/// Copies an NHWC image [H][W][C] into the middle of a zeroed [H+top+bottom][W+left+right][C] buffer.
public func padNHWC(input: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
                    top: Int, left: Int, bottom: Int, right: Int, output: UnsafeMutablePointer<Float>) {
    let paddedWidth = width + left + right, rowLength = width * channels
    let paddedRow = paddedWidth * channels
    output.update(repeating: 0, count: top * paddedRow)
    for y in 0..<height {
        let row = output + (top + y) * paddedRow
        row.update(repeating: 0, count: left * channels)
        (row + left * channels).update(from: input + y * rowLength, count: rowLength)
        (row + (left + width) * channels).update(repeating: 0, count: right * channels)
    }
    (output + (top + height) * paddedRow).update(repeating: 0, count: bottom * paddedRow)
}
