import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// Fast max pooling of one NHWC image [H][W][C] into [OH][OW][C].
public func maxPoolNHWC(shape: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    precondition(shape.isValid, "maxPoolNHWC: invalid shape \(shape)")
    switch KernelISA.active {
    case .avx512: KernelsAVX512.maxPoolNHWC(shape: shape, input: input, output: output)
    case .avx2: KernelsAVX2.maxPoolNHWC(shape: shape, input: input, output: output)
    case .generic: KernelsGeneric.maxPoolNHWC(shape: shape, input: input, output: output)
    }
}

/// Fast average pooling of one NHWC image; see `averagePoolReference` for the divisor rule.
public func averagePoolNHWC(shape: PoolShape, countIncludePad: Bool, input: UnsafePointer<Float>,
                            output: UnsafeMutablePointer<Float>) {
    precondition(shape.isValid, "averagePoolNHWC: invalid shape \(shape)")
    switch KernelISA.active {
    case .avx512: KernelsAVX512.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
    case .avx2: KernelsAVX2.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
    case .generic: KernelsGeneric.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
    }
}

/// Fast global average pooling: NHWC [pixels][C] into [C].
public func globalAveragePoolNHWC(pixels: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    precondition(pixels > 0 && channels > 0)
    switch KernelISA.active {
    case .avx512: KernelsAVX512.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
    case .avx2: KernelsAVX2.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
    case .generic: KernelsGeneric.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
    }
}
