/// Lays out a printable label: the QR code on the left, the lot's facts on the right.
///
/// Sizes are fixed so labels look the same for every lot: QR modules are 8 px with the
/// standard 4-module quiet zone, text uses the 5x7 font at 3x (21 px capitals), lines are
/// cut at `maxLineCharacters` with "..." so a long value cannot make the label unbounded.
public enum LabelRenderer {
    public static let moduleSize = 8
    public static let quietZoneModules = 4
    public static let textScale = 3
    public static let noteScale = 2
    public static let margin = 16
    public static let lineSpacing = 12
    public static let maxLineCharacters = 34

    public static func render(_ content: LabelContent) throws -> RenderedLabel {
        let qr = try QRCode(encoding: content.uri)
        var notes: [String] = []
        let fields: [(String, String)] = [
            ("LOT", content.lotCode), ("ORIGIN", content.originCode), ("CROP", content.crop),
            ("HARVEST", content.harvestDate), ("GRADE", content.grade),
        ]
        var lines: [String] = []
        for (name, value) in fields {
            if ASCIIFolding.needsFolding(value) {
                notes.append("\(name.lowercased()) \"\(value)\" printed as \"\(ASCIIFolding.fold(value))\" (the label font is ASCII only)")
            }
            lines.append(truncated("\(name) \(ASCIIFolding.fold(value))"))
        }
        let footer = notes.isEmpty ? "Scan to verify" : "Scan to verify - accents omitted"

        let qrSide = (qr.size + 2 * quietZoneModules) * moduleSize
        let lineHeight = BitmapFont.glyphHeight * textScale + lineSpacing
        let textWidth = lines.map { LabelCanvas.textWidth($0, scale: textScale) }.max() ?? 0
        let footerWidth = LabelCanvas.textWidth(footer, scale: noteScale)
        let width = margin + qrSide + max(textWidth, footerWidth) + 2 * margin
        let textBlockHeight = lines.count * lineHeight + BitmapFont.glyphHeight * noteScale
        let height = max(qrSide, textBlockHeight) + 2 * margin

        var canvas = LabelCanvas(width: width, height: height)
        let qrOriginX = margin + quietZoneModules * moduleSize
        let qrOriginY = margin + quietZoneModules * moduleSize
        for y in 0..<qr.size {
            for x in 0..<qr.size where qr.isDark(x: x, y: y) {
                canvas.fillBlack(x: qrOriginX + x * moduleSize, y: qrOriginY + y * moduleSize,
                                 width: moduleSize, height: moduleSize)
            }
        }
        let textX = margin + qrSide + margin
        var textY = margin + max(0, (qrSide - textBlockHeight) / 2)
        for line in lines {
            canvas.drawText(line, x: textX, y: textY, scale: textScale)
            textY += lineHeight
        }
        canvas.drawText(footer, x: textX, y: textY, scale: noteScale)
        return RenderedLabel(canvas: canvas, qrCode: qr, lines: lines, notes: notes)
    }

    private static func truncated(_ line: String) -> String {
        line.count <= maxLineCharacters ? line : String(line.prefix(maxLineCharacters - 3)) + "..."
    }
}
