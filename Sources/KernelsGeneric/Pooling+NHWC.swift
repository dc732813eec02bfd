// Legend: H/W input size, C channels (the vector lane), KH/KW window, OH/OW output size.
// Padding is handled by clipping each window to the image, so no padded copy is needed.
import KernelsCore

/// Max pooling of one NHWC image [H][W][C] into [OH][OW][C]; padded positions never win.
@inline(never)
public func maxPoolNHWC(shape s: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    pool(shape: s, input: input, output: output) { window, _ in
        var m = Vector8(repeating: -.infinity)
        window { m = maximum8(m, $0) }
        return m
    }
}

/// Average pooling of one NHWC image. The divisor is the window area when `countIncludePad`
/// (padding counted as zeros), otherwise the number of real pixels in the window (ONNX's default).
@inline(never)
public func averagePoolNHWC(shape s: PoolShape, countIncludePad: Bool, input: UnsafePointer<Float>,
                            output: UnsafeMutablePointer<Float>) {
    let area = s.kernelHeight * s.kernelWidth
    pool(shape: s, input: input, output: output) { window, taps in
        var sum = Vector8()
        window { sum += $0 }
        return sum * Vector8(repeating: 1 / Float(countIncludePad ? area : taps))
    }
}

/// Walks every output pixel and 8-channel block, handing `reduce` a visitor over the clipped window.
@inline(__always)
private func pool(shape s: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                  reduce: (_ window: ((Vector8) -> Void) -> Void, _ taps: Int) -> Vector8) {
    let c = s.channels
    for oy in 0..<s.outputHeight {
        let y0 = oy * s.strideY - s.padTop
        let yStart = max(y0, 0), yEnd = min(y0 + s.kernelHeight, s.inputHeight)
        for ox in 0..<s.outputWidth {
            let x0 = ox * s.strideX - s.padLeft
            let xStart = max(x0, 0), xEnd = min(x0 + s.kernelWidth, s.inputWidth)
            let taps = (yEnd - yStart) * (xEnd - xStart)
            let out = output + (oy * s.outputWidth + ox) * c
            var channel = 0
            while channel < c {
                let count = min(8, c - channel)
                let v = reduce({ visit in
                    for y in yStart..<yEnd {
                        for x in xStart..<xEnd {
                            let p = input + (y * s.inputWidth + x) * c + channel
                            visit(count == 8 ? load8(p) : loadPartial8(p, count))
                        }
                    }
                }, taps)
                if count == 8 { store8(v, out + channel) } else { storePartial8(v, out + channel, count) }
                channel += 8
            }
        }
    }
}

/// Mean over all pixels of one NHWC image [pixels][C] into [C], summed in pixel order.
@inline(never)
public func globalAveragePoolNHWC(pixels: Int, channels c: Int, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>) {
    let scale = Vector8(repeating: 1 / Float(pixels))
    var channel = 0
    while channel < c {
        let count = min(8, c - channel)
        var sum = Vector8()
        for p in 0..<pixels {
            let q = input + p * c + channel
            sum += count == 8 ? load8(q) : loadPartial8(q, count)
        }
        if count == 8 { store8(sum * scale, output + channel) } else { storePartial8(sum * scale, output + channel, count) }
        channel += 8
    }
}
