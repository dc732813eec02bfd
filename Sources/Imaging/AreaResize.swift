/// Area-averaging (box-filter) resampling of RGB8 images to an exact size: each output pixel is
/// the mean of the source area it covers, partially covered source pixels weighted by their
/// covered fraction. The axes are independent, so it runs as a horizontal pass into a Float
/// buffer and a vertical pass out of it. Upscaling degenerates to a nearest-neighbour blend.
///
/// `AreaResize+Reference.swift` holds the plain twin the tests compare against.
public enum AreaResize {
    /// `image` resized to `width` x `height`.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { out, count in
            image.pixels.withUnsafeBufferPointer { src in
                resize(source: src.baseAddress!, width: image.width, height: image.height,
                       into: out.baseAddress!, width: width, height: height)
            }
            count = out.count
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Resizes `source` (srcWidth x srcHeight x 3 bytes) into `destination` (dstWidth x dstHeight x 3).
    /// Allocates two scratch buffers per call, none per pixel.
    public static func resize(source: UnsafePointer<UInt8>, width srcWidth: Int, height srcHeight: Int,
                              into destination: UnsafeMutablePointer<UInt8>, width dstWidth: Int, height dstHeight: Int) {
        precondition(srcWidth > 0 && srcHeight > 0 && dstWidth > 0 && dstHeight > 0, "sizes must be positive")
        let columns = AxisWeights(source: srcWidth, destination: dstWidth)
        let rows = AxisWeights(source: srcHeight, destination: dstHeight)
        let rowFloats = dstWidth * 3
        let horizontal = UnsafeMutablePointer<Float>.allocate(capacity: srcHeight * rowFloats)
        defer { horizontal.deallocate() }
        let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: rowFloats)
        defer { accumulator.deallocate() }

        columns.weights.withUnsafeBufferPointer { weights in
            columns.starts.withUnsafeBufferPointer { starts in
                columns.counts.withUnsafeBufferPointer { counts in
                    let stride = columns.stride
                    for y in 0..<srcHeight {
                        let sourceRow = source + y * srcWidth * 3
                        let out = horizontal + y * rowFloats
                        for x in 0..<dstWidth {
                            var p = sourceRow + Int(starts[x]) * 3
                            var w = weights.baseAddress! + x * stride
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            for _ in 0..<Int(counts[x]) {
                                let weight = w.pointee
                                r += weight * Float(p[0])
                                g += weight * Float(p[1])
                                b += weight * Float(p[2])
                                p += 3
                                w += 1
                            }
                            out[3 * x] = r
                            out[3 * x + 1] = g
                            out[3 * x + 2] = b
                        }
                    }
                }
            }
        }

        rows.weights.withUnsafeBufferPointer { weights in
            for y in 0..<dstHeight {
                accumulator.initialize(repeating: 0, count: rowFloats)
                let start = Int(rows.starts[y])
                for tap in 0..<Int(rows.counts[y]) {
                    let weight = weights[y * rows.stride + tap]
                    let line = horizontal + (start + tap) * rowFloats
                    for i in 0..<rowFloats { accumulator[i] += weight * line[i] }
                }
                let out = destination + y * rowFloats
                for i in 0..<rowFloats {
                    // Float rounding can push a sum of 255s a hair above 255.
                    out[i] = UInt8(min(accumulator[i] + 0.5, 255))
                }
            }
        }
    }
}

/// For each destination index along one axis: the first covered source index, how many source
/// indices it covers, and their weights (covered fraction / scale, summing to 1).
/// Interval ends are exact rationals: destination i covers [i * src / dst, (i + 1) * src / dst).
struct AxisWeights {
    let starts: [Int32]
    let counts: [Int32]
    let weights: [Float]
    let stride: Int

    init(source: Int, destination: Int) {
        // Measured in units of 1/destination: i covers [i * source, (i + 1) * source).
        stride = (source + destination - 1) / destination + 1
        var starts = [Int32](repeating: 0, count: destination)
        var counts = [Int32](repeating: 0, count: destination)
        var weights = [Float](repeating: 0, count: destination * stride)
        for i in 0..<destination {
            let lo = i * source, hi = (i + 1) * source
            let first = lo / destination, last = min((hi - 1) / destination, source - 1)
            starts[i] = Int32(first)
            counts[i] = Int32(last - first + 1)
            for j in first...last {
                let covered = min(hi, (j + 1) * destination) - max(lo, j * destination)
                weights[i * stride + j - first] = Float(Double(covered) / Double(source))
            }
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }
}
