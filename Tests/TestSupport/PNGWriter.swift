/// Writes non-interlaced PNGs of any colour type and bit depth, streaming rows through zlib, so a
/// test can make a 64-megapixel image that compresses to a few hundred kilobytes without holding it.
public enum PNGWriter {
    public enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    /// `row(y)` returns row y's raw samples (big-endian for 16-bit), without the filter byte.
    /// Every row after the first that equals its predecessor is written with the Up filter (all
    /// zeros), which is what makes huge uniform images tiny.
    public static func png(width: Int, height: Int, bitDepth: UInt8, colorType: ColorType,
                           palette: [UInt8] = [], interlaced: Bool = false, row: (Int) -> [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header += [bitDepth, colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        chunk("IHDR", header, into: &out)
        if !palette.isEmpty { chunk("PLTE", palette, into: &out) }
        let deflater = Deflater(.zlib)
        var previous: [UInt8]?
        for y in 0..<height {
            let samples = row(y)
            if let previous, previous == samples {
                deflater.append([2] + [UInt8](repeating: 0, count: samples.count))
            } else {
                deflater.append([0] + samples)
            }
            previous = samples
        }
        chunk("IDAT", deflater.finish(), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out.appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        out.appendBigEndian(Deflater.crc32(typed))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                            UInt8(truncatingIfNeeded: value)])
    }
}
