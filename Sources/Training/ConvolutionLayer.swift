import Deterministic

// Legend: N images, H×W input, OH×OW output, C input channels, O output channels, G groups,
// CG = C/G and OG = O/G per group, KH×KW kernel, P = N·OH·OW output pixels, KG = KH·KW·CG.
// Weights are stored [KH][KW][CG][O] ("HWIO"), so one group's weights are a KG×OG column block
// of a KG×O matrix and the forward pass is Y[P×O] = R[P×KG] · W[KG×O] per group, where R is the
// im2row matrix (one row of receptive field per output pixel).

/// 2-D convolution with any kernel size, stride, zero padding (possibly different on each side, as
/// TensorFlow's "same" padding of imported models) and groups (depthwise included).
public final class ConvolutionLayer: TrainableLayer {
    public let inChannels: Int, outChannels: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int, groups: Int
    public let padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public let weight: Parameter
    public let bias: Parameter?
    /// The first layer does not need dLoss/dInput; skipping it saves a GEMM and a col2im.
    public var computesInputGradient = true

    private var cachedInput: BatchTensor?
    // Scratch reused across steps (grown, never shrunk): reallocating tens of MB per step cost
    // more in page faults than the GEMMs. `rows` holds G blocks of P×KG im2row data, kept from
    // the forward pass for the weight gradient.
    private var rows: [Float] = []
    private var outputGradientT: [Float] = []
    private var weightGradientT: [Float] = []
    private var weightT: [Float] = []

    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, hasBias: Bool = false, random: inout SeededRandom) {
        let fanIn = kernelSize * kernelSize * (inChannels / groups)
        // He initialisation: keeps activation variance stable through ReLU layers.
        let scale = (2 / Float(fanIn)).squareRoot()
        self.init(inChannels: inChannels, outChannels: outChannels, kernelHeight: kernelSize, kernelWidth: kernelSize,
                  stride: stride, padTop: padding, padLeft: padding, padBottom: padding, padRight: padding, groups: groups,
                  weights: (0..<(fanIn * outChannels)).map { _ in random.normal() * scale },
                  bias: hasBias ? [Float](repeating: 0, count: outChannels) : nil)
    }

    /// A convolution with given HWIO `weights` (`[kh][kw][in/groups][out]`) and optional bias.
    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, groups: Int, weights: [Float], bias: [Float]?) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "channels must divide by groups")
        precondition(weights.count == kernelHeight * kernelWidth * (inChannels / groups) * outChannels, "weight count")
        precondition(bias.map { $0.count == outChannels } ?? true, "bias count")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.groups = groups
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        weight = Parameter(name: "weight", value: weights, decays: true)
        self.bias = bias.map { Parameter(name: "bias", value: $0) }
    }

    var channelsPerGroup: Int { inChannels / groups }
    var outputsPerGroup: Int { outChannels / groups }
    var receptiveField: Int { kernelHeight * kernelWidth * channelsPerGroup }
    var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }

    public var summary: String {
        let kind = isDepthwise ? "dwconv" : "conv"
        let groupText = groups > 1 && !isDepthwise ? " g\(groups)" : ""
        let symmetric = padTop == padLeft && padTop == padBottom && padTop == padRight
        let padText = symmetric ? "\(padTop)" : "\(padTop),\(padLeft),\(padBottom),\(padRight)"
        return "\(kind)\(kernelHeight)x\(kernelWidth) \(inChannels)->\(outChannels) s\(stride) p\(padText)\(groupText)"
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func outputShape(for input: BatchShape) throws -> BatchShape {
        guard input.c == inChannels else {
            throw LayerShapeError(layer: summary, input: input, reason: "expects \(inChannels) channels")
        }
        let paddedHeight = input.h + padTop + padBottom, paddedWidth = input.w + padLeft + padRight
        let oh = (paddedHeight - kernelHeight) / stride + 1
        let ow = (paddedWidth - kernelWidth) / stride + 1
        guard paddedHeight >= kernelHeight, paddedWidth >= kernelWidth, oh > 0, ow > 0 else {
            throw LayerShapeError(layer: summary, input: input, reason: "smaller than the kernel")
        }
        return BatchShape(n: input.n, h: oh, w: ow, c: outChannels)
    }

    public func multiplyAccumulates(for input: BatchShape) -> Int {
        guard let out = try? outputShape(for: input) else { return 0 }
        return out.h * out.w * receptiveField * outChannels
    }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        let outShape = try! outputShape(for: input.shape)
        var output = BatchTensor(zeros: outShape)
        if isDepthwise {
            depthwiseForward(input, &output, context: context)
        } else {
            gemmForward(input, &output, context: context)
        }
        if let bias {
            output.data.withUnsafeMutableBufferPointer { y in
                bias.value.withUnsafeBufferPointer { b in
                    for p in 0..<(outShape.count / outChannels) {
                        for o in 0..<outChannels { y[p * outChannels + o] += b[o] }
                    }
                }
            }
        }
        cachedInput = context.isTraining ? input : nil
        return output
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        guard let input = cachedInput else { preconditionFailure("\(summary): backward without a training forward") }
        if let bias {
            bias.gradient.withUnsafeMutableBufferPointer { db in
                outputGradient.data.withUnsafeBufferPointer { dy in
                    for p in 0..<(outputGradient.shape.count / outChannels) {
                        for o in 0..<outChannels { db[o] += dy[p * outChannels + o] }
                    }
                }
            }
        }
        var inputGradient = BatchTensor(zeros: computesInputGradient ? input.shape : BatchShape(n: 0, h: 0, w: 0, c: 0))
        if isDepthwise {
            depthwiseBackward(input, outputGradient, &inputGradient, context: context)
        } else {
            gemmBackward(input, outputGradient, &inputGradient, context: context)
        }
        cachedInput = nil
        return inputGradient
    }

    // MARK: im2row + GEMM path (dense and grouped convolutions)

    private func gemmForward(_ input: BatchTensor, _ output: inout BatchTensor, context: ExecutionContext) {
        let inShape = input.shape, outShape = output.shape
        let pixelsPerImage = outShape.h * outShape.w, pixels = outShape.n * pixelsPerImage
        let kg = receptiveField, og = outputsPerGroup, o = outChannels
        Self.ensureCapacity(&rows, groups * pixels * kg)
        input.data.withUnsafeBufferPointer { x in
            rows.withUnsafeMutableBufferPointer { r in
                output.data.withUnsafeMutableBufferPointer { y in
                    weight.value.withUnsafeBufferPointer { w in
                        parallelChunks(inShape.n, jobs: context.jobs) { _, images in
                            let p0 = images.lowerBound * pixelsPerImage, rowCount = images.count * pixelsPerImage
                            for g in 0..<groups {
                                let block = r.baseAddress! + g * pixels * kg
                                im2row(x.baseAddress!, inShape, outShape, group: g, rows: block, images: images)
                                matmul(m: rowCount, n: og, k: kg,
                                       a: block + p0 * kg, lda: kg,
                                       b: w.baseAddress! + g * og, ldb: o,
                                       c: y.baseAddress! + p0 * o + g * og, ldc: o, accumulate: false)
                            }
                        }
                    }
                }
            }
        }
    }

    private static func ensureCapacity(_ buffer: inout [Float], _ count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }

    private func gemmBackward(_ input: BatchTensor, _ dy: BatchTensor, _ dx: inout BatchTensor, context: ExecutionContext) {
        let inShape = input.shape, outShape = dy.shape
        let pixelsPerImage = outShape.h * outShape.w, pixels = outShape.n * pixelsPerImage
        let kg = receptiveField, og = outputsPerGroup, o = outChannels
        Self.ensureCapacity(&outputGradientT, og * pixels)
        Self.ensureCapacity(&weightGradientT, og * kg)
        Self.ensureCapacity(&weightT, og * kg)
        var dyT = outputGradientT, dwT = weightGradientT, wT = weightT
        outputGradientT = []; weightGradientT = []; weightT = []
        defer { outputGradientT = dyT; weightGradientT = dwT; weightT = wT }
        let needsInputGradient = computesInputGradient
        dy.data.withUnsafeBufferPointer { dyp in
            rows.withUnsafeMutableBufferPointer { r in
                weight.value.withUnsafeBufferPointer { w in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        for g in 0..<groups {
                            let block = r.baseAddress! + g * pixels * kg
                            // dW_g[KG×OG] = R_gᵀ · dY_g, computed as (dY_gᵀ · R_g)ᵀ so both GEMM
                            // operands are row-major; the split over KG columns is thread-count stable.
                            dyT.withUnsafeMutableBufferPointer { t in
                                transpose(rows: pixels, cols: og, dyp.baseAddress! + g * og, ldSrc: o, t.baseAddress!, ldDst: pixels)
                            }
                            dyT.withUnsafeBufferPointer { t in
                                dwT.withUnsafeMutableBufferPointer { d in
                                    parallelChunks(kg, jobs: context.jobs) { _, cols in
                                        matmul(m: og, n: cols.count, k: pixels,
                                               a: t.baseAddress!, lda: pixels,
                                               b: block + cols.lowerBound, ldb: kg,
                                               c: d.baseAddress! + cols.lowerBound, ldc: kg, accumulate: false)
                                    }
                                }
                            }
                            for k in 0..<kg {
                                for j in 0..<og { dw[k * o + g * og + j] += dwT[j * kg + k] }
                            }
                            guard needsInputGradient else { continue }
                            // dR_g[P×KG] = dY_g · W_gᵀ, written over R_g (no longer needed), then
                            // scattered back to input pixels; images are split so scatters never collide.
                            wT.withUnsafeMutableBufferPointer { t in
                                transpose(rows: kg, cols: og, w.baseAddress! + g * og, ldSrc: o, t.baseAddress!, ldDst: kg)
                            }
                            wT.withUnsafeBufferPointer { t in
                                dx.data.withUnsafeMutableBufferPointer { dxp in
                                    parallelChunks(inShape.n, jobs: context.jobs) { _, images in
                                        let p0 = images.lowerBound * pixelsPerImage
                                        matmul(m: images.count * pixelsPerImage, n: kg, k: og,
                                               a: dyp.baseAddress! + p0 * o + g * og, lda: o,
                                               b: t.baseAddress!, ldb: kg,
                                               c: block + p0 * kg, ldc: kg, accumulate: false)
                                        row2im(block, inShape, outShape, group: g, into: dxp.baseAddress!, images: images)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies each output pixel's receptive field (group `group`'s channels) into one row of `rows`.
    private func im2row(_ x: UnsafePointer<Float>, _ inShape: BatchShape, _ outShape: BatchShape,
                        group: Int, rows: UnsafeMutablePointer<Float>, images: Range<Int>) {
        let cg = channelsPerGroup, c = inShape.c, kg = receptiveField
        for n in images {
            for oy in 0..<outShape.h {
                for ox in 0..<outShape.w {
                    var dst = rows + ((n * outShape.h + oy) * outShape.w + ox) * kg
                    for ky in 0..<kernelHeight {
                        let iy = oy * stride - padTop + ky
                        if iy < 0 || iy >= inShape.h {
                            dst.update(repeating: 0, count: kernelWidth * cg)
                            dst += kernelWidth * cg
                            continue
                        }
                        for kx in 0..<kernelWidth {
                            let ix = ox * stride - padLeft + kx
                            if ix < 0 || ix >= inShape.w {
                                dst.update(repeating: 0, count: cg)
                            } else {
                                dst.update(from: x + ((n * inShape.h + iy) * inShape.w + ix) * c + group * cg, count: cg)
                            }
                            dst += cg
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2row`: adds each row's entries back onto the input pixels they came from.
    private func row2im(_ rows: UnsafePointer<Float>, _ inShape: BatchShape, _ outShape: BatchShape,
                        group: Int, into dx: UnsafeMutablePointer<Float>, images: Range<Int>) {
        let cg = channelsPerGroup, c = inShape.c, kg = receptiveField
        for n in images {
            for oy in 0..<outShape.h {
                for ox in 0..<outShape.w {
                    var src = rows + ((n * outShape.h + oy) * outShape.w + ox) * kg
                    for ky in 0..<kernelHeight {
                        let iy = oy * stride - padTop + ky
                        if iy < 0 || iy >= inShape.h { src += kernelWidth * cg; continue }
                        for kx in 0..<kernelWidth {
                            let ix = ox * stride - padLeft + kx
                            if ix >= 0 && ix < inShape.w {
                                let d = dx + ((n * inShape.h + iy) * inShape.w + ix) * c + group * cg
                                for j in 0..<cg { d[j] += src[j] }
                            }
                            src += cg
                        }
                    }
                }
            }
        }
    }

    // MARK: depthwise path (one filter per channel: a GEMM would have one output column)

    private func depthwiseForward(_ input: BatchTensor, _ output: inout BatchTensor, context: ExecutionContext) {
        let inShape = input.shape, outShape = output.shape, c = inChannels
        input.data.withUnsafeBufferPointer { xb in
            output.data.withUnsafeMutableBufferPointer { yb in
                weight.value.withUnsafeBufferPointer { wb in
                    let x = xb.baseAddress!, y = yb.baseAddress!, w = wb.baseAddress!
                    parallelChunks(inShape.n, jobs: context.jobs) { _, images in
                        for n in images {
                            for oy in 0..<outShape.h {
                                for ox in 0..<outShape.w {
                                    let out = y + ((n * outShape.h + oy) * outShape.w + ox) * c
                                    for ky in 0..<kernelHeight {
                                        let iy = oy * stride - padTop + ky
                                        if iy < 0 || iy >= inShape.h { continue }
                                        for kx in 0..<kernelWidth {
                                            let ix = ox * stride - padLeft + kx
                                            if ix < 0 || ix >= inShape.w { continue }
                                            let pixel = x + ((n * inShape.h + iy) * inShape.w + ix) * c
                                            let filter = w + (ky * kernelWidth + kx) * c
                                            for ch in 0..<c { out[ch] += pixel[ch] * filter[ch] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func depthwiseBackward(_ input: BatchTensor, _ dy: BatchTensor, _ dx: inout BatchTensor, context: ExecutionContext) {
        let inShape = input.shape, outShape = dy.shape, c = inChannels
        let needsInputGradient = computesInputGradient
        input.data.withUnsafeBufferPointer { xb in
            dy.data.withUnsafeBufferPointer { dyb in
                dx.data.withUnsafeMutableBufferPointer { dxb in
                    weight.value.withUnsafeBufferPointer { wb in
                        weight.gradient.withUnsafeMutableBufferPointer { dwb in
                            let x = xb.baseAddress!, g = dyb.baseAddress!, w = wb.baseAddress!, dw = dwb.baseAddress!
                            let dxBase = dxb.baseAddress
                            // Split by channel ranges: each thread owns its channels of dW and dX.
                            parallelChunks(c, jobs: context.jobs) { _, channels in
                                let c0 = channels.lowerBound, c1 = channels.upperBound
                                for n in 0..<inShape.n {
                                    for oy in 0..<outShape.h {
                                        for ox in 0..<outShape.w {
                                            let grad = g + ((n * outShape.h + oy) * outShape.w + ox) * c
                                            for ky in 0..<kernelHeight {
                                                let iy = oy * stride - padTop + ky
                                                if iy < 0 || iy >= inShape.h { continue }
                                                for kx in 0..<kernelWidth {
                                                    let ix = ox * stride - padLeft + kx
                                                    if ix < 0 || ix >= inShape.w { continue }
                                                    let offset = ((n * inShape.h + iy) * inShape.w + ix) * c
                                                    let tap = (ky * kernelWidth + kx) * c
                                                    for ch in c0..<c1 { dw[tap + ch] += x[offset + ch] * grad[ch] }
                                                    if needsInputGradient, let dxp = dxBase {
                                                        for ch in c0..<c1 { dxp[offset + ch] += w[tap + ch] * grad[ch] }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
