import Testing
@testable import Typesetting

@Suite struct TextFitterTests {
    let regular: Typeface
    init() throws { regular = try Typeface(FontData.notoSans(bold: false)) }

    func fit(_ text: String, width: Int, height: Int, max: Int = 40, min: Int = 20, lines: Int = 2) throws -> FittedText {
        try TextFitter(typeface: regular).fit(text, width: width, height: height, maxPixelSize: max, minPixelSize: min, maxLines: lines)
    }

    /// Draws `text` alone and checks every inked pixel is inside the box it was fitted to.
    func expectInkInsideBox(_ text: FittedText, width: Int, height: Int, _ comment: Comment? = nil) {
        let margin = 30
        var raster = Raster(width: width + 2 * margin, height: height + 2 * margin)
        raster.draw(text, x: margin, y: margin)
        let box = PixelBox(x: margin, y: margin, width: width, height: height)
        var outside = 0, inside = 0
        for y in 0..<raster.height {
            for x in 0..<raster.width where raster[x, y] < 255 {
                if box.contains(x: x, y: y) { inside += 1 } else { outside += 1 }
            }
        }
        #expect(outside == 0, "\(outside) inked pixels outside the \(width)x\(height) box: \(text.printed) \(comment?.description ?? "")")
        #expect(inside > 0 || text.printed.allSatisfy(\.isWhitespace))
        if let ink = text.ink { #expect(PixelBox(x: 0, y: 0, width: width, height: height).contains(ink)) }
    }

    @Test func shortTextTakesTheLargestSizeOnOneLine() throws {
        let text = try fit("Hạng: Loại 1", width: 600, height: 100)
        #expect(text.pixelSize == 40 && text.lines.count == 1 && !text.truncated)
        #expect(text.printed == "Hạng: Loại 1")
    }

    @Test func textShrinksBeforeItWraps() throws {
        let full = try fit("Hợp tác xã Tân Thuận", width: 1000, height: 100)
        let width = full.lines[0].width * 3 / 4
        let shrunk = try fit("Hợp tác xã Tân Thuận", width: width, height: 100)
        #expect(shrunk.lines.count == 1 && shrunk.pixelSize < 40 && shrunk.pixelSize >= 29)
        expectInkInsideBox(shrunk, width: width, height: 100)
    }

    @Test func belowTheSmallestSizeTextWrapsAtSpaces() throws {
        let text = try fit("Hợp tác xã Nông nghiệp Tân Thuận Đông", width: 260, height: 100)
        #expect(text.pixelSize == 20 && text.lines.count == 2 && !text.truncated)
        #expect(text.printed == "Hợp tác xã Nông nghiệp Tân Thuận Đông")
        #expect(text.lines.allSatisfy { !$0.text.hasPrefix(" ") && !$0.text.hasSuffix(" ") })
        expectInkInsideBox(text, width: 260, height: 100)
    }

    @Test func tooLongTextIsShortenedWithAnEllipsisAndSaysSo() throws {
        let name = String(repeating: "Nguyễn Thị Hồng Nhung ", count: 6)
        let text = try fit(name, width: 260, height: 100)
        #expect(text.truncated && text.lines.count == 2 && text.printed.hasSuffix("…"))
        #expect(text.requested == name.trimmingCharacters(in: .whitespaces))
        expectInkInsideBox(text, width: 260, height: 100)
        // One line only when the box is one line high.
        let low = try fit(name, width: 260, height: 30)
        #expect(low.truncated && low.lines.count == 1)
        expectInkInsideBox(low, width: 260, height: 30)
    }

    @Test func aWordWiderThanTheBoxIsBrokenBetweenCharacters() throws {
        let text = try fit("ĐỒNGTHÁPĐỒNGTHÁP", width: 150, height: 100)
        #expect(text.lines.count == 2 && !text.truncated && text.printed.replacingOccurrences(of: " ", with: "") == "ĐỒNGTHÁPĐỒNGTHÁP")
        expectInkInsideBox(text, width: 150, height: 100)
    }

    /// The class of bug: ink escaping its box. Hostile text (stacked capital accents above the
    /// ascender, descenders, a leading "j" that inks left of the pen, marks only, long words)
    /// at box sizes around one and two lines.
    @Test(arguments: ["Hợp tác xã Tân Thuận", "ẪẪẪ ỄỄỄ ỖỖỖ ỮỮỮ", "jjj ỵỵỵ ggg", "Ấp Bình Thành, xã Bình Thành, huyện Lấp Vò",
                      "\u{0303}\u{0301}", "Ộ", String(repeating: "xoài cát Hòa Lộc ", count: 8), "WWWWWWWWWWWWWWWWWWWWWWWW"])
    func inkNeverLeavesTheBox(text: String) throws {
        for (width, height) in [(120, 31), (120, 45), (300, 60), (300, 80), (640, 140)] {
            let fitted = try fit(text, width: width, height: height)
            expectInkInsideBox(fitted, width: width, height: height, "\(width)x\(height)")
            #expect(fitted.height <= height)
        }
    }

    @Test func aBoxLowerThanOneLineIsAnError() {
        #expect(throws: TypesettingError.self) { try fit("Lô", width: 300, height: 10) }
    }

    @Test func whitespaceIsCollapsedAndTextNormalised() throws {
        let text = try fit("  Nguye\u{0302}\u{0303}n \t Văn\nBa ", width: 600, height: 100)
        #expect(text.requested == "Nguyễn Văn Ba" && text.printed == "Nguyễn Văn Ba")
    }
}
