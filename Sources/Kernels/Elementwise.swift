import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// output[i] = activation(a[i] + b[i]); `output` may alias an input.
public func addActivate(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, epilogue: Epilogue,
                        output: UnsafeMutablePointer<Float>) {
    switch KernelISA.active {
    case .avx512: KernelsAVX512.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
    case .avx2: KernelsAVX2.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
    case .generic: KernelsGeneric.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
    }
}

/// output[i] = activation(input[i]); `output` may alias `input`.
public func activate(count: Int, input: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
    switch KernelISA.active {
    case .avx512: KernelsAVX512.activate(count: count, input: input, epilogue: epilogue, output: output)
    case .avx2: KernelsAVX2.activate(count: count, input: input, epilogue: epilogue, output: output)
    case .generic: KernelsGeneric.activate(count: count, input: input, epilogue: epilogue, output: output)
    }
}

/// Per-channel affine map of an NHWC image (unfolded batch normalisation), then the activation.
public func scaleShiftNHWC(pixels: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                           shift: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
    switch KernelISA.active {
    case .avx512:
        KernelsAVX512.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                    epilogue: epilogue, output: output)
    case .avx2:
        KernelsAVX2.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                   epilogue: epilogue, output: output)
    case .generic:
        KernelsGeneric.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                      epilogue: epilogue, output: output)
    }
}

/// The single-core FMA peak probe of the active variant, for benchmarks (`fmaPeakFlopsPerIteration`).
public func fmaPeakLoop(iterations: Int, seed: Float) -> Float {
    switch KernelISA.active {
    case .avx512: KernelsAVX512.fmaPeakLoop(iterations: iterations, seed: seed)
    case .avx2: KernelsAVX2.fmaPeakLoop(iterations: iterations, seed: seed)
    case .generic: KernelsGeneric.fmaPeakLoop(iterations: iterations, seed: seed)
    }
}

/// Flops of one round of `fmaPeakLoop` in the active variant.
public var fmaPeakFlopsPerIteration: Int {
    switch KernelISA.active {
    case .avx512: KernelsAVX512.fmaPeakFlopsPerIteration
    case .avx2: KernelsAVX2.fmaPeakFlopsPerIteration
    case .generic: KernelsGeneric.fmaPeakFlopsPerIteration
    }
}
