// Pointwise kernels over flat float arrays: vector body, scalar-width tail through partial loads.
// Memory-bound, so multiply and add stay separate (same result in both compiled copies).
import KernelsCore

/// output[i] = activation(a[i] + b[i]). `output` may alias `a` or `b`.
@inline(never)
public func addActivate(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, epilogue: Epilogue,
                        output: UnsafeMutablePointer<Float>) {
    let e = EpilogueVectors(epilogue)
    var i = 0
    while i + 8 <= count {
        store8(e.apply(load8(a + i) + load8(b + i)), output + i)
        i += 8
    }
    if i < count {
        let n = count - i
        storePartial8(e.apply(loadPartial8(a + i, n) + loadPartial8(b + i, n)), output + i, n)
    }
}

/// output[i] = activation(input[i]). `output` may alias `input`.
@inline(never)
public func activate(count: Int, input: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
    let e = EpilogueVectors(epilogue)
    var i = 0
    while i + 8 <= count {
        store8(e.apply(load8(input + i)), output + i)
        i += 8
    }
    if i < count {
        let n = count - i
        storePartial8(e.apply(loadPartial8(input + i, n)), output + i, n)
    }
}

/// Per-channel affine map of an NHWC image: output[p][c] = activation(input[p][c] * scale[c] + shift[c]).
/// This is batch normalisation when it cannot be folded into a preceding convolution.
@inline(never)
public func scaleShiftNHWC(pixels: Int, channels c: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                           shift: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
    let e = EpilogueVectors(epilogue)
    for p in 0..<pixels {
        var channel = 0
        while channel < c {
            let count = min(8, c - channel)
            let at = p * c + channel
            if count == 8 {
                store8(e.apply(load8(input + at) * load8(scale + channel) + load8(shift + channel)), output + at)
            } else {
                let v = loadPartial8(input + at, count) * loadPartial8(scale + channel, count) + loadPartial8(shift + channel, count)
                storePartial8(e.apply(v), output + at, count)
            }
            channel += 8
        }
    }
}
