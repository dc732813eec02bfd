import Foundation
import Imaging
import Testing
import TestSupport
@testable import Console

/// The label PDF as independent tools read it: qpdf finds no error, poppler sees one page per
/// label at the label's size, and draws each page with the label's own pixels.
@Suite struct LabelSheetPDFTests {
    /// Side of the random blocks; poppler smooths images as it draws them, so only the middle of
    /// a block is compared exactly.
    static let block = 6

    static func picture(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var generator = SeededGenerator(seed: seed)
        let blocks = (0..<((width / block + 1) * (height / block + 1))).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        // Gradients and random blocks: the PNG encoder picks several filter types, so the
        // predictor path is exercised.
        for y in 0..<height {
            for x in 0..<width {
                let at = (y * width + x) * 3
                pixels[at] = UInt8((x * 255) / max(1, width - 1))
                pixels[at + 1] = UInt8((y * 255) / max(1, height - 1))
                pixels[at + 2] = blocks[(y / block) * (width / block + 1) + x / block]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test func onePagePerLabelAtItsSizeDrawnWithItsPixels() throws {
        let directory = try TemporaryDirectory(prefix: "label-pdf")
        defer { directory.remove() }
        let labels = [Self.picture(width: 591, height: 354, seed: 1), Self.picture(width: 1181, height: 709, seed: 2),
                      Self.picture(width: 7, height: 5, seed: 3)]
        let file = directory.url.appendingPathComponent("labels (test).pdf")
        try Data(try LabelSheetPDF.document(labels, title: "Nhãn (lô) \\ test")).write(to: file)
        try PDFTools.check(file.path)
        let pages = try PDFTools.pages(file.path)
        #expect(pages.count == 3)
        // 591 px at 300 dpi = 141.84 pt = 50.04 mm: the 50x30 mm stock to the pixel.
        #expect(pages.sizes == ["141.84 x 84.96", "283.44 x 170.16", "1.68 x 1.2"], "\(pages.sizes)")
        for (index, label) in labels.enumerated().prefix(2) {
            let drawn = try ImageDecoder.decode(data: try Data(contentsOf: try PDFTools.render(file.path, page: index + 1, width: label.width, height: label.height)), fileName: "page.png")
            #expect(drawn.width == label.width && drawn.height == label.height, "page \(index + 1): \(drawn.width)x\(drawn.height)")
            guard drawn.pixels.count == label.pixels.count else { continue }
            var byChannel = [0, 0, 0]
            for (at, (a, b)) in zip(drawn.pixels, label.pixels).enumerated() where abs(Int(a) - Int(b)) > 2 {
                let x = (at / 3) % label.width, y = (at / 3) / label.width
                if at % 3 == 2 && !((2...3).contains(x % Self.block) && (2...3).contains(y % Self.block)) { continue }
                byChannel[at % 3] += 1
            }
            #expect(byChannel == [0, 0, 0], "page \(index + 1): samples differing by more than 2, per channel: \(byChannel) of \(label.pixels.count / 3); first: \(Array(drawn.pixels.prefix(12))) vs \(Array(label.pixels.prefix(12)))")
        }
    }

    @Test func aPNGThatIsNotPlainRGBIsRefused() throws {
        #expect(throws: LabelSheetPDF.Failure.self) { _ = try LabelSheetPDF.idat(of: Array("not a png".utf8)) }
        // Grey, 8-bit: the predictor parameters would describe it wrongly.
        let gray = PNGWriter.png(width: 2, height: 2, bitDepth: 8, colorType: .gray) { _ in [0, 255] }
        #expect(throws: LabelSheetPDF.Failure.self) { _ = try LabelSheetPDF.idat(of: gray) }
        let rgb = PNGWriter.png(width: 2, height: 2, bitDepth: 8, colorType: .rgb) { _ in [1, 2, 3, 4, 5, 6] }
        #expect(try !LabelSheetPDF.idat(of: rgb).isEmpty)
    }
}
