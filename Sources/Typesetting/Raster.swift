/// An 8-bit grey page (255 = paper, 0 = full ink), row-major, that labels are drawn on.
public struct Raster: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "raster must not be empty")
        self.width = width
        self.height = height
        pixels = Array(repeating: 255, count: width * height)
    }

    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// Fills a rectangle with full ink. Layout keeps everything on the page: anything outside is a bug.
    public mutating func fillInk(_ box: PixelBox) {
        precondition(PixelBox(x: 0, y: 0, width: width, height: height).contains(box), "\(box) is off the page")
        for y in box.minY..<box.maxY {
            for x in box.minX..<box.maxX { pixels[y * width + x] = 0 }
        }
    }

    /// Draws a line with its pen origin at (`x`, `baseline`); ink only darkens.
    public mutating func draw(_ line: TextLine, x: Int, baseline: Int) {
        for glyph in line.glyphs {
            let box = glyph.box.offsetBy(x: x, y: baseline)
            precondition(PixelBox(x: 0, y: 0, width: width, height: height).contains(box), "glyph at \(box) is off the page")
            for row in 0..<glyph.height {
                for column in 0..<glyph.width {
                    let coverage = glyph.coverage[row * glyph.width + column]
                    guard coverage > 0 else { continue }
                    let index = (box.minY + row) * width + box.minX + column
                    pixels[index] = min(pixels[index], 255 - coverage)
                }
            }
        }
    }

    /// Draws fitted text with the box's top-left corner at (`x`, `y`).
    public mutating func draw(_ text: FittedText, x: Int, y: Int) {
        for (line, origin) in zip(text.lines, text.origins) { draw(line, x: x + origin.x, baseline: y + origin.baseline) }
    }
}
