import Foundation
import Testing
import TestSupport

/// A small file can describe a huge image: a 64-megapixel 16-bit RGBA PNG of uniform rows
/// compresses to a few hundred kilobytes. Classifying it must not cost memory in proportion to
/// its pixels (each grading worker decodes one photo at a time, so this bounds every worker).
@Suite struct LargePhotoMemoryTests {
    @Test func a64MegapixelPNGIsClassifiedInBoundedMemory() throws {
        let directory = try TemporaryDirectory(prefix: "large-png")
        defer { directory.remove() }
        func write(_ name: String, width: Int, height: Int) throws -> String {
            // A horizontal gradient, every row alike: 8 bytes a pixel (16-bit R, G, B, A).
            let row = (0..<width).flatMap { x -> [UInt8] in
                let v = UInt16(x * 65535 / max(width - 1, 1))
                return [UInt8(v >> 8), UInt8(v & 0xFF), 0x80, 0x00, UInt8(v >> 8), 0, 0xFF, 0xFF]
            }
            let url = directory.url.appendingPathComponent(name)
            try Data(PNGWriter.png(width: width, height: height, bitDepth: 16, colorType: .rgba) { _ in row }).write(to: url)
            return url.path
        }
        let small = try write("small.png", width: 96, height: 96)
        let large = try write("large.png", width: 8000, height: 8000)
        let fileSize = try FileManager.default.attributesOfItem(atPath: large)[.size] as? Int ?? .max
        #expect(fileSize < 1 << 20, "the 64-megapixel PNG is \(fileSize) bytes")
        let baseline = try AgriTraceBinary.peakMemory(["classify", small])
        let measured = try AgriTraceBinary.peakMemory(["classify", large])
        #expect(baseline.status == 0 && measured.status == 0)
        // Decoding it whole would take 8000 x 8000 x (3 + 4) bytes = 448 MB; row by row it is a few
        // MB of rows (about 85 rows of 8000 pixels) plus libpng's own row buffers.
        let extra = measured.maxResidentBytes - baseline.maxResidentBytes
        #expect(extra < 32 << 20, "decoding the 64-megapixel PNG took \(extra >> 20) MB more than a 96x96 one")
    }
}
