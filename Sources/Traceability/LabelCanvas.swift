import Imaging

/// A white RGB8 canvas that labels are drawn on: interleaved, row-major, no padding
/// (the layout of Imaging's `RGBImage`).
public struct LabelCanvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "canvas must not be empty")
        self.width = width
        self.height = height
        pixels = Array(repeating: 255, count: width * height * 3)
    }

    /// Fills a rectangle with black, clipped to the canvas.
    public mutating func fillBlack(x: Int, y: Int, width w: Int, height h: Int) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            let start = (row * width + x0) * 3
            for i in start..<(start + (x1 - x0) * 3) { pixels[i] = 0 }
        }
    }

    /// Draws ASCII text with the bitmap font, each font pixel `scale` x `scale` device pixels.
    /// Returns the width drawn.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int) -> Int {
        var penX = x
        for byte in text.utf8 {
            for gy in 0..<BitmapFont.glyphHeight {
                for gx in 0..<BitmapFont.glyphWidth where BitmapFont.isInk(byte, x: gx, y: gy) {
                    fillBlack(x: penX + gx * scale, y: y + gy * scale, width: scale, height: scale)
                }
            }
            penX += BitmapFont.advance * scale
        }
        return penX - x
    }

    public func isBlack(x: Int, y: Int) -> Bool { pixels[(y * width + x) * 3] == 0 }

    public static func textWidth(_ text: String, scale: Int) -> Int {
        text.utf8.count * BitmapFont.advance * scale
    }
}

extension LabelCanvas {
    /// The canvas as an Imaging image (same RGB8 layout), e.g. for `PNGEncoder`.
    public var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }
}
