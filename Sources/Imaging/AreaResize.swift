import Foundation

/// Area-averaging (box-filter) resampling of RGB8 images to an exact size: each output pixel is
/// the mean of the source area it covers, partially covered source pixels weighted by their
/// covered fraction. The axes are independent, so each output row is made by a vertical pass
/// (weighted sum of the covered source rows into one Float row, a loop the compiler vectorises)
/// then a horizontal pass over that row, one SIMD4 (R, G, B, next R) per source pixel.
/// Scratch memory is one source row and one output row of Floats, whatever the scale.
/// Upscaling degenerates to a nearest-neighbour blend. The source may also arrive row by row
/// from a decoder (`resize(...decodingRows:)`), holding only the rows one output row covers.
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
    /// Allocates the weight tables and one Float row per call, nothing per pixel.
    public static func resize(source: UnsafePointer<UInt8>, width srcWidth: Int, height srcHeight: Int,
                              into destination: UnsafeMutablePointer<UInt8>, width dstWidth: Int, height dstHeight: Int) {
        let rowLength = srcWidth * 3
        resize(width: srcWidth, height: srcHeight, into: destination, width: dstWidth, height: dstHeight) { first, _ in
            source + first * rowLength
        }
    }

    /// The same resize (bit for bit) of a source whose rows come from `decode(buffer, count)`, which
    /// must write the next `count` source rows (width x 3 bytes each) into `buffer`. Only the source
    /// rows that one output row covers are held: about srcHeight / dstHeight + 1 rows. Every source
    /// row is decoded, in order, exactly once, so the decoder also sees the end of its data.
    public static func resize(width srcWidth: Int, height srcHeight: Int,
                              into destination: UnsafeMutablePointer<UInt8>, width dstWidth: Int, height dstHeight: Int,
                              decodingRows decode: (_ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) throws -> Void) rethrows {
        precondition(srcWidth > 0 && srcHeight > 0 && dstWidth > 0 && dstHeight > 0, "sizes must be positive")
        let rowLength = srcWidth * 3
        let capacity = min(AxisWeights.maxTaps(source: srcHeight, destination: dstHeight), srcHeight)
        let window = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * rowLength)
        defer { window.deallocate() }
        var first = 0, held = 0   // the window holds source rows first..<first + held
        func skip(_ rows: Int) throws {
            var rest = rows
            while rest > 0 {
                let n = min(rest, capacity)
                try decode(window, n)
                rest -= n
            }
        }
        try resize(width: srcWidth, height: srcHeight, into: destination, width: dstWidth, height: dstHeight) { start, count in
            precondition(start >= first && count <= capacity, "area resize asked for rows out of order")
            if start >= first + held {
                try skip(start - first - held)
                held = 0
            } else if start > first {
                // Keep the rows this output row shares with the previous one (at most one when shrinking).
                held -= start - first
                memmove(window, window + (start - first) * rowLength, held * rowLength)
            }
            first = start
            if held < count {
                try decode(window + held * rowLength, count - held)
                held = count
            }
            return UnsafePointer(window)
        }
        try skip(srcHeight - first - held)
    }

    /// The resize proper, reading source rows through `sourceRows(first, count)`: a pointer to rows
    /// first..<first + count, contiguous; calls come in output row order with nondecreasing `first`.
    private static func resize(width srcWidth: Int, height srcHeight: Int,
                               into destination: UnsafeMutablePointer<UInt8>, width dstWidth: Int, height dstHeight: Int,
                               sourceRows: (_ first: Int, _ count: Int) throws -> UnsafePointer<UInt8>) rethrows {
        precondition(srcWidth > 0 && srcHeight > 0 && dstWidth > 0 && dstHeight > 0, "sizes must be positive")
        let columns = AxisWeights(source: srcWidth, destination: dstWidth)
        let rows = AxisWeights(source: srcHeight, destination: dstHeight)
        let rowLength = srcWidth * 3
        // Every output pixel runs `taps` taps (zero weights past its own count) so two pixels can
        // share one loop; the zeroed tail keeps those extra SIMD4 loads in bounds and finite.
        let taps = columns.stride
        let rowCapacity = rowLength + 3 * taps + 1
        let row = UnsafeMutablePointer<Float>.allocate(capacity: rowCapacity)
        defer { row.deallocate() }
        (row + rowLength).initialize(repeating: 0, count: rowCapacity - rowLength)
        let rawRow = UnsafeRawPointer(row)
        let pixelBytes = 3 * MemoryLayout<Float>.stride
        // Output sums of one row; SIMD4 stores spill one Float past the last pixel.
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: dstWidth * 3 + 1)
        defer { sums.deallocate() }
        let rawSums = UnsafeMutableRawPointer(sums)
        // Column weights pre-broadcast to SIMD4 so each tap is one load and one multiply.
        let columnWeights = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: columns.weights.count)
        defer { columnWeights.deallocate() }
        for (i, weight) in columns.weights.enumerated() { (columnWeights + i).initialize(to: SIMD4(repeating: weight)) }

        try columns.starts.withUnsafeBufferPointer { columnStarts in
        try rows.weights.withUnsafeBufferPointer { rowWeights in
            for y in 0..<dstHeight {
                let source = try sourceRows(Int(rows.starts[y]), Int(rows.counts[y]))
                verticalPass(source, rowLength: rowLength, taps: Int(rows.counts[y]),
                             weights: rowWeights.baseAddress! + y * rows.stride, into: row)
                var x = 0
                // Two output pixels per iteration: independent sums hide the add latency.
                // (`+ load * w`, not addProduct: without -mfma that is a libm fmaf call per lane.)
                while x + 2 <= dstWidth {
                    var offset0 = Int(columnStarts[x]) * pixelBytes, offset1 = Int(columnStarts[x + 1]) * pixelBytes
                    var w0 = columnWeights + x * taps, w1 = w0 + taps
                    var sum0 = SIMD4<Float>(), sum1 = SIMD4<Float>()
                    for _ in 0..<taps {
                        sum0 += rawRow.loadUnaligned(fromByteOffset: offset0, as: SIMD4<Float>.self) * w0.pointee
                        sum1 += rawRow.loadUnaligned(fromByteOffset: offset1, as: SIMD4<Float>.self) * w1.pointee
                        offset0 += pixelBytes; offset1 += pixelBytes
                        w0 += 1; w1 += 1
                    }
                    rawSums.storeBytes(of: sum0, toByteOffset: x * pixelBytes, as: SIMD4<Float>.self)
                    rawSums.storeBytes(of: sum1, toByteOffset: (x + 1) * pixelBytes, as: SIMD4<Float>.self)
                    x += 2
                }
                if x < dstWidth {
                    var offset = Int(columnStarts[x]) * pixelBytes
                    var w = columnWeights + x * taps
                    var sum = SIMD4<Float>()
                    for _ in 0..<taps {
                        sum += rawRow.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self) * w.pointee
                        offset += pixelBytes
                        w += 1
                    }
                    rawSums.storeBytes(of: sum, toByteOffset: x * pixelBytes, as: SIMD4<Float>.self)
                }
                roundToBytes(sums, count: dstWidth * 3, into: destination + y * dstWidth * 3)
            }
        }
        }
    }

    /// Rounds to the nearest integer, ties to even, in 0...255. Adding 1.5 * 2^23 leaves the
    /// rounded value in the low mantissa bits (IEEE round-to-nearest-even): no float-to-int
    /// conversion, whose Swift checks would stop the loop from vectorising. Sums are >= 0;
    /// Float rounding can push a sum of 255s a hair above 255, hence the min.
    @inline(__always)
    private static func roundToBytes(_ sums: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<count {
            out[i] = UInt8(truncatingIfNeeded: (min(sums[i], 255) + 12_582_912).bitPattern)
        }
    }

    /// row[i] = sum over taps t of weights[t] * source[t * rowLength + i], two taps per pass so
    /// the common 1-2 tap case writes the row once.
    @inline(__always)
    private static func verticalPass(_ source: UnsafePointer<UInt8>, rowLength: Int, taps: Int,
                                     weights: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>) {
        var t: Int
        if taps >= 2 {
            let (w0, w1) = (weights[0], weights[1])
            let line1 = source + rowLength
            for i in 0..<rowLength { row[i] = w0 * Float(source[i]) + w1 * Float(line1[i]) }
            t = 2
        } else {
            let w0 = weights[0]
            for i in 0..<rowLength { row[i] = w0 * Float(source[i]) }
            t = 1
        }
        while t + 1 < taps {
            let (w0, w1) = (weights[t], weights[t + 1])
            let line0 = source + t * rowLength, line1 = line0 + rowLength
            for i in 0..<rowLength { row[i] += w0 * Float(line0[i]) + w1 * Float(line1[i]) }
            t += 2
        }
        if t < taps {
            let w = weights[t]
            let line = source + t * rowLength
            for i in 0..<rowLength { row[i] += w * Float(line[i]) }
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
        stride = Self.maxTaps(source: source, destination: destination)
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

    /// An upper bound on the source indices one destination index covers.
    static func maxTaps(source: Int, destination: Int) -> Int {
        (source + destination - 1) / destination + 1
    }
}
