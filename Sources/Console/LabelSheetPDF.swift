import Foundation
import Imaging

/// Rendered labels as one PDF, one page per label, each page the label's own size (the label
/// stock's, to the pixel at 300 dpi), for label printers that feed one label per page.
///
/// Hand-written PDF 1.4: a catalog, a page tree, and per label a page, its content stream (draw the
/// image over the whole page) and the image. The image's samples are the IDAT data of its PNG
/// encoding, which PDF's FlateDecode reads as is with the PNG predictors (`/Predictor 15`), so
/// no second compressor is needed.
enum LabelSheetPDF {
    /// Dots per inch of the rendered labels (`LabelStock`).
    static let dotsPerInch = 300

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func document(_ labels: [RGBImage], title: String = "AgriTrace labels") throws -> [UInt8] {
        precondition(!labels.isEmpty, "a PDF needs at least one page")
        // The second line's bytes above 127 tell transfer programs the file is binary.
        var out: [UInt8] = Array("%PDF-1.4\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        var offsets: [Int] = [0]   // object 0 is the free-list head
        func object(_ number: Int, _ text: String, stream: [UInt8]? = nil) {
            precondition(number == offsets.count, "objects are written in order")
            offsets.append(out.count)
            out += Array("\(number) 0 obj\n".utf8) + Array(text.utf8)
            if let stream { out += Array("\nstream\n".utf8) + stream + Array("\nendstream".utf8) }
            out += Array("\nendobj\n".utf8)
        }
        // 1 catalog, 2 pages, 3 info; then three objects per label: page, content, image.
        let pageNumbers = labels.indices.map { 4 + 3 * $0 }
        object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        object(2, "<< /Type /Pages /Kids [\(pageNumbers.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(labels.count) >>")
        object(3, "<< /Title (\(literal(title))) /Producer (AgriTrace) >>")
        for (index, label) in labels.enumerated() {
            let page = pageNumbers[index]
            let width = points(label.width), height = points(label.height)
            object(page, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(width) \(height)] /Resources << /XObject << /Label \(page + 2) 0 R >> >> /Contents \(page + 1) 0 R >>")
            let content = Array("q \(width) 0 0 \(height) 0 0 cm /Label Do Q".utf8)
            object(page + 1, "<< /Length \(content.count) >>", stream: content)
            let samples = try idat(of: try PNGEncoder.encode(label))
            object(page + 2, "<< /Type /XObject /Subtype /Image /Width \(label.width) /Height \(label.height) /ColorSpace /DeviceRGB /BitsPerComponent 8 "
                   + "/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns \(label.width) >> /Length \(samples.count) >>",
                   stream: samples)
        }
        let xref = out.count
        out += Array("xref\n0 \(offsets.count)\n0000000000 65535 f \n".utf8)
        for offset in offsets.dropFirst() { out += Array((String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n").utf8) }
        out += Array("trailer\n<< /Size \(offsets.count) /Root 1 0 R /Info 3 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// `pixels` at 300 dpi in PDF points (1/72 inch), two decimals.
    static func points(_ pixels: Int) -> String {
        let hundredths = (pixels * 72 * 100 + dotsPerInch / 2) / dotsPerInch
        return "\(hundredths / 100).\(String(format: "%02d", hundredths % 100))"
    }

    /// A PDF literal string's text: ASCII only, with `\`, `(` and `)` escaped.
    static func literal(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 }.map { Character($0) })
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
    }

    /// The concatenated IDAT data of an 8-bit RGB, non-interlaced PNG (what `PNGEncoder` writes).
    static func idat(of png: [UInt8]) throws -> [UInt8] {
        guard png.count > 8, Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Failure(description: "not a PNG") }
        var data: [UInt8] = []
        var at = 8
        while at + 12 <= png.count {
            let length = png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[at + 4..<at + 8], as: UTF8.self)
            let start = at + 8
            guard start + length + 4 <= png.count else { throw Failure(description: "PNG chunk \(type) runs past the end") }
            switch type {
            case "IHDR":
                // bit depth 8, colour type 2 (RGB), interlace 0: what the predictor parameters say.
                guard length == 13, png[start + 8] == 8, png[start + 9] == 2, png[start + 12] == 0 else {
                    throw Failure(description: "the label PNG is not 8-bit RGB without interlacing")
                }
            case "IDAT": data += png[start..<start + length]
            default: break
            }
            at = start + length + 4
        }
        guard !data.isEmpty else { throw Failure(description: "PNG without image data") }
        return data
    }
}
