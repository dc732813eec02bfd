import Localization
import Typesetting

/// Lays out a printable label for one label stock: the QR code at the top left with "scan to
/// verify" under it, and a column of text on the right, top to bottom: cooperative (bold), farm,
/// crop, origin code, lot code, harvest date, grade or held state (bold).
///
/// Text is set in Noto Sans with real diacritics (NFC, shaped and kerned). Each field takes the
/// largest size that fits on one line, shrinking to the stock's smallest size, then wraps (up to
/// `maxLines`), then is shortened with "…" and a note; fields are fitted top to bottom, each
/// leaving room for one line of every field below it, so nothing is ever clipped or overlapped.
/// Spare height is spread between the fields.
public enum LabelRenderer {
    /// Most lines one field may wrap to.
    public static let maxLines = 2
    static let quietZoneModules = 4

    public static func render(_ content: LabelContent, stock: LabelStock, words: LabelWords) throws -> RenderedLabel {
        let qr = try QRCode(encoding: content.qrPayload)
        let modules = qr.size + 2 * quietZoneModules
        let moduleSize = stock.qrSide / modules
        guard moduleSize >= stock.minimumModule else {
            throw QRCodeError(text: content.qrPayload,
                              reason: Message("its {size}x{size} symbol needs {needed} px for modules of at least {module} px (scannable from a box); the {stock} mm label has {has} px: use a larger label (--size 100x60) or a shorter address",
                                              ["size": .integer(qr.size), "needed": .integer(modules * stock.minimumModule), "module": .integer(stock.minimumModule),
                                               "stock": .text(stock.rawValue), "has": .integer(stock.qrSide)]))
        }
        let regular = try Typeface(FontData.notoSans(bold: false))
        let bold = try Typeface(FontData.notoSans(bold: true))
        var raster = Raster(width: stock.pixelWidth, height: stock.pixelHeight)
        let margin = stock.margin

        // QR code, centred in its square.
        let qrPixels = modules * moduleSize
        let qrInset = (stock.qrSide - qrPixels) / 2
        let qrBox = PixelBox(x: margin + qrInset, y: margin + qrInset, width: qrPixels, height: qrPixels)
        let symbolX = qrBox.minX + quietZoneModules * moduleSize, symbolY = qrBox.minY + quietZoneModules * moduleSize
        for y in 0..<qr.size {
            for x in 0..<qr.size where qr.isDark(x: x, y: y) {
                raster.fillInk(PixelBox(x: symbolX + x * moduleSize, y: symbolY + y * moduleSize, width: moduleSize, height: moduleSize))
            }
        }

        var fields: [RenderedLabel.Field] = []
        // "Scan to verify" under the QR code's square.
        let footerTop = margin + stock.qrSide
        let footerBox = PixelBox(x: margin, y: footerTop, width: stock.qrSide, height: stock.pixelHeight - margin - footerTop)
        let footer = try TextFitter(typeface: regular).fit(words.scanToVerify, width: footerBox.width, height: footerBox.height,
                                                           maxPixelSize: stock.footerSizes.max, minPixelSize: stock.footerSizes.min,
                                                           maxLines: maxLines)
        let footerX = footerBox.minX + (footerBox.width - (footer.lines.map(\.width).max() ?? 0)) / 2
        raster.draw(footer, x: footerX, y: footerBox.minY)
        fields.append(.init(name: .footer, text: footer, box: footerBox))

        // The text column, fitted top to bottom.
        let columnX = margin + stock.qrSide + margin
        let column = PixelBox(minX: columnX, minY: margin, maxX: stock.pixelWidth - margin, maxY: stock.pixelHeight - margin)
        let rows: [(LabelField, String, Typeface, (max: Int, min: Int))] = [
            (.cooperative, content.cooperative, bold, stock.headingSizes),
            (.farm, words.farm(content.farmName), regular, stock.bodySizes),
            (.crop, words.crop(content.crop), regular, stock.bodySizes),
            (.origin, words.origin(content.originCode), regular, stock.bodySizes),
            (.lot, words.lot(content.lotCode), regular, stock.bodySizes),
            (.harvest, words.harvest(content.harvestDate), regular, stock.bodySizes),
            (.grade, content.isHeld ? words.held : words.grade(content.grade), bold, stock.headingSizes),
        ]
        // The least height each row can take: one line at its smallest size, shortened if need be.
        let least = try rows.map { row in
            try TextFitter(typeface: row.2).fit(row.1, width: column.width, height: column.height,
                                                maxPixelSize: row.3.min, minPixelSize: row.3.min, maxLines: 1).height
        }
        var fitted: [FittedText] = []
        var used = 0
        for (index, row) in rows.enumerated() {
            let budget = column.height - used - least[(index + 1)...].reduce(0, +)
            let text = try TextFitter(typeface: row.2).fit(row.1, width: column.width, height: budget,
                                                           maxPixelSize: row.3.max, minPixelSize: row.3.min, maxLines: maxLines)
            fitted.append(text)
            used += text.height
        }
        // Spare height goes between the rows (at most half a body line each), the rest above and below.
        let spare = column.height - used
        let gap = min(spare / (rows.count - 1), stock.bodySizes.max / 2)
        var y = column.minY + (spare - gap * (rows.count - 1)) / 2
        for (row, text) in zip(rows, fitted) {
            let box = PixelBox(x: column.minX, y: y, width: column.width, height: text.height)
            raster.draw(text, x: box.minX, y: box.minY)
            fields.append(.init(name: row.0, text: text, box: box))
            y += text.height + gap
        }

        var notes: [Message] = []
        for field in fields {
            if field.text.truncated {
                notes.append(Message("The {field} \"{text}\" does not fit the {stock} mm label even wrapped at the smallest size; it is printed as \"{printed}\" (the ledger and the proof keep it whole).",
                                     ["field": .message(field.name.message), "text": .text(field.text.requested),
                                      "stock": .text(stock.rawValue), "printed": .text(field.text.printed)]))
            }
            let missing = field.text.missing
            if !missing.isEmpty {
                let codes = missing.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
                notes.append(Message("The {field} \"{text}\" has characters the label font cannot print ({codes}); they print as empty boxes.",
                                     ["field": .message(field.name.message), "text": .text(field.text.requested), "codes": .text(codes)]))
            }
        }
        return RenderedLabel(stock: stock, raster: raster, qrCode: qr, qrBox: qrBox, fields: fields, notes: notes)
    }
}
