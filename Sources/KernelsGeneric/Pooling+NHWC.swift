// Legend: H/W input size, C channels (the vector lane), KH/KW window, OH/OW output size.
// Padding is handled by clipping each window to the image, so no padded copy is needed.
import KernelsCore

/// Max pooling of one NHWC image [H][W][C] into [OH][OW][C]; padded positions never win.
@inline(never)
public func maxPoolNHWC(shape s: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    pool(shape: s, maximum: true, countIncludePad: false, input: input, output: output)
}

/// Average pooling of one NHWC image. The divisor is the window area when `countIncludePad`
/// (padding counted as zeros), otherwise the number of real pixels in the window (ONNX's default).
@inline(never)
public func averagePoolNHWC(shape s: PoolShape, countIncludePad: Bool, input: UnsafePointer<Float>,
                            output: UnsafeMutablePointer<Float>) {
    pool(shape: s, maximum: false, countIncludePad: countIncludePad, input: input, output: output)
}

/// Every output pixel, 8 channels at a time (partial loads for the last block), over the clipped window.
@inline(__always)
private func pool(shape s: PoolShape, maximum: Bool, countIncludePad: Bool, input: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>) {
    let c = s.channels, fullBlocks = c / 8, tail = c - fullBlocks * 8
    let area = s.kernelHeight * s.kernelWidth
    for oy in 0..<s.outputHeight {
        let y0 = oy * s.strideY - s.padTop
        let yStart = max(y0, 0), yEnd = min(y0 + s.kernelHeight, s.inputHeight)
        for ox in 0..<s.outputWidth {
            let x0 = ox * s.strideX - s.padLeft
            let xStart = max(x0, 0), xEnd = min(x0 + s.kernelWidth, s.inputWidth)
            let scale = Vector8(repeating: 1 / Float(countIncludePad ? area : (yEnd - yStart) * (xEnd - xStart)))
            let out = output + (oy * s.outputWidth + ox) * c
            for block in 0...fullBlocks {
                let count = block < fullBlocks ? 8 : tail
                if count == 0 { break }
                let channel = block * 8
                var v = maximum ? Vector8(repeating: -.infinity) : Vector8()
                for y in yStart..<yEnd {
                    var p = input + (y * s.inputWidth + xStart) * c + channel
                    for _ in xStart..<xEnd {
                        let x = count == 8 ? load8(p) : loadPartial8(p, count)
                        v = maximum ? maximum8(v, x) : v + x
                        p += c
                    }
                }
                if !maximum { v *= scale }
                if count == 8 { store8(v, out + channel) } else { storePartial8(v, out + channel, count) }
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
