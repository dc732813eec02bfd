// Legend: C channels, H/W input size, KH/KW window. Layout NCHW.

/// Max pooling by definition over one NCHW image; taps outside the image are skipped.
public func maxPoolReference(shape s: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    poolReference(shape: s, input: input, output: output) { values, _ in values.max()! }
}

/// Average pooling by definition over one NCHW image. Divisor: KH·KW when `countIncludePad`,
/// else the number of taps inside the image (ONNX AveragePool's count_include_pad = 0).
public func averagePoolReference(shape s: PoolShape, countIncludePad: Bool, input: UnsafePointer<Float>,
                                 output: UnsafeMutablePointer<Float>) {
    let area = Double(s.kernelHeight * s.kernelWidth)
    poolReference(shape: s, input: input, output: output) { values, _ in
        Float(values.reduce(0.0) { $0 + Double($1) } / (countIncludePad ? area : Double(values.count)))
    }
}

private func poolReference(shape s: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           reduce: ([Float], Int) -> Float) {
    let oh = s.outputHeight, ow = s.outputWidth
    for c in 0..<s.channels {
        for y in 0..<oh {
            for x in 0..<ow {
                var values: [Float] = []
                for ky in 0..<s.kernelHeight {
                    let iy = y * s.strideY + ky - s.padTop
                    guard iy >= 0 && iy < s.inputHeight else { continue }
                    for kx in 0..<s.kernelWidth {
                        let ix = x * s.strideX + kx - s.padLeft
                        guard ix >= 0 && ix < s.inputWidth else { continue }
                        values.append(input[(c * s.inputHeight + iy) * s.inputWidth + ix])
                    }
                }
                output[(c * oh + y) * ow + x] = reduce(values, values.count)
            }
        }
    }
}

/// Mean of each channel of one NCHW image [C][pixels] into [C], in Double.
public func globalAveragePoolReference(pixels: Int, channels: Int, input: UnsafePointer<Float>,
                                       output: UnsafeMutablePointer<Float>) {
    for c in 0..<channels {
        var sum = 0.0
        for p in 0..<pixels { sum += Double(input[c * pixels + p]) }
        output[c] = Float(sum / Double(pixels))
    }
}
