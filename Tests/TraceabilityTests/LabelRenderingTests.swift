import Foundation
import Imaging
import Testing
import TestSupport
@testable import Traceability

@Suite struct LabelRenderingTests {
    @Test func vietnameseFoldsToItsBaseLetters() {
        #expect(ASCIIFolding.fold("cà chua") == "ca chua")
        #expect(ASCIIFolding.fold("Đồng Tháp, Nguyễn Văn Ba") == "Dong Thap, Nguyen Van Ba")
        // NFD input (as some phones send it) folds the same way.
        #expect(ASCIIFolding.fold("Nguye\u{0302}\u{0303}n") == "Nguyen")
        #expect(ASCIIFolding.fold("苹果 ok") == "?? ok")
        #expect(!ASCIIFolding.needsFolding("DT-LV-261103-01"))
        #expect(ASCIIFolding.needsFolding("cà chua"))
    }

    @Test func fontCoversPrintableASCIIWithinFiveByFive() {
        #expect(BitmapFont.glyphs.count == 95)
        for glyph in BitmapFont.glyphs {
            #expect(glyph.count == 7)
            #expect(glyph.allSatisfy { $0 < 0x20 })
        }
        // Every visible character draws something; only the space is blank.
        for byte in UInt8(0x21)...UInt8(0x7E) {
            #expect(BitmapFont.rows(for: byte).contains { $0 != 0 }, "glyph \(byte) is blank")
        }
        let a = (0..<7).map { y in String((0..<5).map { BitmapFont.isInk(UInt8(ascii: "A"), x: $0, y: y) ? "#" : "." }) }
        #expect(a == [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"])
        #expect(BitmapFont.rows(for: 0xC3) == BitmapFont.rows(for: UInt8(ascii: "?")))
    }

    @Test func drawnTextLandsWhereTheGlyphSays() {
        var canvas = LabelCanvas(width: 40, height: 20)
        let width = canvas.drawText("I", x: 2, y: 3, scale: 2)
        #expect(width == 12)
        // 'I' row 0 is .###. : columns 1-3 inked, each 2x2 device pixels.
        #expect(!canvas.isBlack(x: 2, y: 3))
        #expect(canvas.isBlack(x: 4, y: 3) && canvas.isBlack(x: 5, y: 4) && canvas.isBlack(x: 9, y: 3))
        #expect(!canvas.isBlack(x: 10, y: 3))
    }

    @Test func qrCodeIsASquareSymbolWithFinderPatterns() throws {
        let qr = try QRCode(encoding: "urn:agritrace:lot:DT-CT-261104-01")
        #expect(qr.size >= 21 && (qr.size - 17) % 4 == 0)
        // The top-left finder pattern: a dark 7x7 ring around a light ring and a 3x3 dark core.
        for i in 0..<7 {
            #expect(qr.isDark(x: i, y: 0) && qr.isDark(x: 0, y: i) && qr.isDark(x: 6, y: i) && qr.isDark(x: i, y: 6))
        }
        #expect(!qr.isDark(x: 1, y: 1) && qr.isDark(x: 3, y: 3))
        #expect(throws: QRCodeError.self) { try QRCode(encoding: "") }
        #expect(throws: QRCodeError.self) { try QRCode(encoding: String(repeating: "x", count: QRCode.maxBytes + 1)) }
    }

    @Test(arguments: [
        "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01",
        "urn:agritrace:lot:DT-TM-261104-02",
        "https://id.gs1.org/01/08936045120019/10/A%2FB%201%25",
    ])
    func labelQRCodeDecodesBackToTheURIWithZbarimg(uri: String) throws {
        let content = LabelContent(uri: uri, lotCode: "DT-LV-261103-01", originCode: "VN-DTOR-0141",
                                   crop: "cà chua", harvestDate: "2026-11-03", grade: "Premium")
        let label = try LabelRenderer.render(content)
        #expect(label.lines == ["LOT DT-LV-261103-01", "ORIGIN VN-DTOR-0141", "CROP ca chua",
                                "HARVEST 2026-11-03", "GRADE Premium"])
        #expect(label.notes.count == 1 && label.notes[0].contains("cà chua"))

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("label.png")
        try PNGEncoder.write(label.canvas.image, to: file)
        let decoded = try QRCodeReader.decode(file.path)
        #expect(decoded == uri)
    }

    @Test func longValuesAreCutSoTheLabelStaysBounded() throws {
        let content = LabelContent(uri: "urn:agritrace:lot:X", lotCode: "X", originCode: "O",
                                   crop: String(repeating: "long crop name ", count: 10), harvestDate: "2026-11-03", grade: "Premium")
        let label = try LabelRenderer.render(content)
        #expect(label.lines[2].count == LabelRenderer.maxLineCharacters && label.lines[2].hasSuffix("..."))
        #expect(label.canvas.width < 1000)
    }
}
