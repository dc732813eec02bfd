/// A rectangle of pixels, `minX..<maxX` by `minY..<maxY` (y grows downwards).
public struct PixelBox: Sendable, Equatable, CustomStringConvertible {
    public var minX: Int, minY: Int, maxX: Int, maxY: Int

    public init(minX: Int, minY: Int, maxX: Int, maxY: Int) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }

    public init(x: Int, y: Int, width: Int, height: Int) { self.init(minX: x, minY: y, maxX: x + width, maxY: y + height) }

    public var width: Int { maxX - minX }
    public var height: Int { maxY - minY }

    public func contains(x: Int, y: Int) -> Bool { x >= minX && x < maxX && y >= minY && y < maxY }
    public func contains(_ other: PixelBox) -> Bool {
        other.minX >= minX && other.maxX <= maxX && other.minY >= minY && other.maxY <= maxY
    }
    public func union(_ other: PixelBox) -> PixelBox {
        PixelBox(minX: min(minX, other.minX), minY: min(minY, other.minY), maxX: max(maxX, other.maxX), maxY: max(maxY, other.maxY))
    }
    public func offsetBy(x: Int, y: Int) -> PixelBox { PixelBox(minX: minX + x, minY: minY + y, maxX: maxX + x, maxY: maxY + y) }

    public var description: String { "(\(minX),\(minY))-(\(maxX),\(maxY))" }
}

/// One glyph's 8-bit coverage (0 = paper, 255 = ink), placed relative to the line's pen origin
/// on the baseline.
public struct GlyphBitmap: Sendable {
    public let left: Int
    public let top: Int
    public let width: Int
    public let height: Int
    public let coverage: [UInt8]

    public var box: PixelBox { PixelBox(x: left, y: top, width: width, height: height) }
}

/// A shaped, rasterised line: exactly the pixels that will be drawn, so measuring and drawing
/// cannot disagree.
public struct TextLine: Sendable {
    /// The text set, NFC-normalised.
    public let text: String
    public let pixelSize: Int
    /// Pen advance in whole pixels (rounded up).
    public let advance: Int
    /// The font's ascent and descent at this size, in pixels.
    public let ascent: Int
    public let descent: Int
    public let glyphs: [GlyphBitmap]
    /// Scalars the font has no glyph for (drawn as the font's empty-box glyph).
    public let missing: [Unicode.Scalar]

    /// The union of every glyph bitmap relative to the pen origin; nil for a line without ink.
    public var ink: PixelBox? { glyphs.map(\.box).reduce(nil) { $0?.union($1) ?? $1 } }

    /// Horizontal room the line needs: from the pen origin or the first ink, whichever is further
    /// left, to the last ink.
    public var left: Int { min(0, ink?.minX ?? 0) }
    public var width: Int { (ink?.maxX ?? 0) - left }
}
