/// EXIF tag 0x0112: how the stored pixels must be transformed to show the photo upright.
public enum ExifOrientation: Int, Sendable, Equatable, CaseIterable {
    case up = 1              // as stored
    case upMirrored = 2      // mirrored left-right
    case down = 3            // rotated 180 degrees
    case downMirrored = 4    // mirrored top-bottom
    case leftMirrored = 5    // transposed (mirror + rotate 270 degrees clockwise)
    case right = 6           // display needs a 90 degree clockwise rotation
    case rightMirrored = 7   // transversed (mirror + rotate 90 degrees clockwise)
    case left = 8            // display needs a 90 degree counter-clockwise rotation

    /// Orientations 5-8 turn a stored W x H image into an upright H x W one.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// Reads the orientation from an EXIF TIFF payload (the APP1 body after "Exif\0\0").
    /// Absent, malformed or out-of-range values (outside 1...8) mean `.up`, as in every viewer:
    /// a broken tag must not make an otherwise good photo unreadable.
    public static func parse(exif: UnsafeRawBufferPointer) -> ExifOrientation {
        guard exif.count >= 8 else { return .up }
        let bigEndian: Bool
        switch (exif[0], exif[1]) {
        case (0x49, 0x49): bigEndian = false   // "II"
        case (0x4D, 0x4D): bigEndian = true    // "MM"
        default: return .up
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= exif.count else { return nil }
            let a = Int(exif[at]), b = Int(exif[at + 1])
            return bigEndian ? a << 8 | b : b << 8 | a
        }
        func u32(_ at: Int) -> Int? {
            guard let hi = u16(bigEndian ? at : at + 2), let lo = u16(bigEndian ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd0 = u32(4), let count = u16(ifd0) else { return .up }
        for entry in 0..<count {
            let at = ifd0 + 2 + entry * 12
            guard let tag = u16(at) else { return .up }
            guard tag == 0x0112 else { continue }
            // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
            guard u16(at + 2) == 3, u32(at + 4) == 1, let value = u16(at + 8) else { return .up }
            return ExifOrientation(rawValue: value) ?? .up
        }
        return .up
    }

    public static func parse(exif: [UInt8]) -> ExifOrientation {
        exif.withUnsafeBytes { parse(exif: $0) }
    }
}

extension RGBImage {
    /// This image, stored with `orientation`, turned upright.
    public func applying(_ orientation: ExifOrientation) -> RGBImage {
        if orientation == .up { return self }
        let w = width, h = height
        let outW = orientation.swapsAxes ? h : w, outH = orientation.swapsAxes ? w : h
        // Stored coordinates of upright pixel (x, y): sx = x0 + dxx*x + dxy*y, sy = y0 + dyx*x + dyy*y.
        let (x0, dxx, dxy, y0, dyx, dyy): (Int, Int, Int, Int, Int, Int)
        switch orientation {
        case .up: (x0, dxx, dxy, y0, dyx, dyy) = (0, 1, 0, 0, 0, 1)
        case .upMirrored: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, -1, 0, 0, 0, 1)
        case .down: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, -1, 0, h - 1, 0, -1)
        case .downMirrored: (x0, dxx, dxy, y0, dyx, dyy) = (0, 1, 0, h - 1, 0, -1)
        case .leftMirrored: (x0, dxx, dxy, y0, dyx, dyy) = (0, 0, 1, 0, 1, 0)
        case .right: (x0, dxx, dxy, y0, dyx, dyy) = (0, 0, 1, h - 1, -1, 0)
        case .rightMirrored: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, 0, -1, h - 1, -1, 0)
        case .left: (x0, dxx, dxy, y0, dyx, dyy) = (w - 1, 0, -1, 0, 1, 0)
        }
        var result = [UInt8](repeating: 0, count: outW * outH * 3)
        pixels.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in 0..<outH {
                    var sx = x0 + dxy * y, sy = y0 + dyy * y
                    for _ in 0..<outW {
                        let s = (sy * w + sx) * 3
                        dst[o] = src[s]; dst[o + 1] = src[s + 1]; dst[o + 2] = src[s + 2]
                        o += 3
                        sx += dxx
                        sy += dyx
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: result)
    }
}
