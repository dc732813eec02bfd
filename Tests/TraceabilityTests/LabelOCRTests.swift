import Foundation
import Imaging
import Localization
import Testing
import TestSupport
@testable import Traceability

/// Checks from outside that what is printed is what was meant: tesseract (Vietnamese + English
/// models) reads the rendered PNG back and zbarimg decodes its QR code.
@Suite struct LabelOCRTests {
    /// Written out by hand, not taken from the renderer.
    static let expected: [String: [String]] = [
        "vi": ["Hợp tác xã Tân Thuận", "Nông hộ: Nguyễn Văn Ba, Đồng Tháp", "Nông sản: xoài cát Hòa Lộc",
               "Mã vùng trồng: VN-DTOR-0141", "Lô: DT-LV-261103-01", "Ngày thu hoạch: 03/11/2026", "Hạng: Hạng đặc biệt",
               "Quét mã để kiểm tra"],
        "en": ["Hợp tác xã Tân Thuận", "Farm: Nguyễn Văn Ba, Đồng Tháp", "Crop: xoài cát Hòa Lộc", "Origin: VN-DTOR-0141",
               "Lot: DT-LV-261103-01", "Harvest: 2026-11-03", "Grade: Premium", "Scan to verify"],
    ]

    /// OCR's known confusions that say nothing about the print: dash and quote shapes, space
    /// before a colon, line breaks (a wrapped field reads as two lines). Letters and diacritics
    /// are compared exactly, after NFC.
    static func normalised(_ text: String) -> String {
        var text = text.precomposedStringWithCanonicalMapping
        for (from, to) in [("–", "-"), ("—", "-"), ("‐", "-"), ("’", "'"), ("‘", "'"), ("“", "\""), ("”", "\"")] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        text = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return text.replacingOccurrences(of: " :", with: ":")
    }

    @Test func normalisingKeepsDiacritics() {
        #expect(Self.normalised("Hợp tác xã") != Self.normalised("Hop tac xa"))
        #expect(Self.normalised("Ho\u{031B}\u{0323}p  tác\nxã") == "Hợp tác xã")
        #expect(Self.normalised("Lô : DT–LV") == "Lô: DT-LV")
    }

    @Test(arguments: LabelStock.allCases, ["vi", "en"])
    func ocrReadsTheVietnameseTextBackAndZbarimgTheQRCode(stock: LabelStock, language: String) throws {
        // The grade as recorded (a code); the label prints the policy's name for it in the language.
        var content = LabelRenderingTests.content
        content.grade = "Premium"
        let label = try LabelRenderer.render(content, stock: stock, words: LabelRenderingTests.words(language))
        #expect(label.notes.isEmpty, "\(label.notes)")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let png = try LabelRenderingTests.writePNG(label, directory, "label-\(stock.rawValue)-\(language)")

        #expect(try QRCodeReader.decode(png) == content.qrPayload)
        let read = Self.normalised(try TextRecognizer.read(png, language: "vie+eng"))
        for line in try #require(Self.expected[language]) {
            #expect(read.contains(Self.normalised(line)), "OCR of the \(stock.rawValue) \(language) label lacks \"\(line)\"; it read: \(read)")
        }
    }

    @Test(arguments: LabelStock.allCases)
    func ocrReadsTheHeldStateInVietnamese(stock: LabelStock) throws {
        var content = LabelRenderingTests.content
        content.isHeld = true
        let label = try LabelRenderer.render(content, stock: stock, words: LabelRenderingTests.words("vi"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let png = try LabelRenderingTests.writePNG(label, directory, "held")
        let read = Self.normalised(try TextRecognizer.read(png, language: "vie+eng"))
        #expect(read.contains("TẠM GIỮ CHỜ XEM XÉT"), "it read: \(read)")
        #expect(!read.contains("Hạng"), "a held lot prints no grade; it read: \(read)")
    }
}
