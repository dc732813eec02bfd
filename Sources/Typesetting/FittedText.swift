/// Text set to fit a box: lines at one size with their positions inside the box.
public struct FittedText: Sendable {
    /// The text asked for, NFC-normalised, whitespace runs collapsed to one space.
    public let requested: String
    public let lines: [TextLine]
    /// Per line: where its pen origin goes, relative to the box's top-left corner.
    public let origins: [(x: Int, baseline: Int)]
    public let pixelSize: Int
    /// Height the lines take from the box's top (at most the box's height).
    public let height: Int
    /// The end of the text was cut and replaced by "…" to fit.
    public let truncated: Bool

    public var wrapped: Bool { lines.count > 1 }
    /// What is printed, lines joined by a space.
    public var printed: String { lines.map(\.text).joined(separator: " ") }
    /// Scalars the font could not print.
    public var missing: [Unicode.Scalar] { lines.flatMap(\.missing) }

    /// Every inked pixel's bounds relative to the box's top-left corner.
    public var ink: PixelBox? {
        zip(lines, origins).compactMap { line, origin in line.ink?.offsetBy(x: origin.x, y: origin.baseline) }
            .reduce(nil) { $0?.union($1) ?? $1 }
    }
}
