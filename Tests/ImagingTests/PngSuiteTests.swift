import Foundation
import Imaging
import Testing
import TestSupport

/// Every PngSuite file against expected pixels derived independently by netpbm's pngtopam
/// (Fixtures/tools/make_pngsuite_expected.py): all colour types, bit depths 1-16, palettes with
/// tRNS, Adam7 interlacing, odd sizes, ancillary chunks; and every deliberately corrupt x*.png.
@Suite struct PngSuiteTests {
    static let expected: [[Substring]] = (try? ImageFixtures.table("pngsuite/expected.tsv")) ?? []

    static let corruptFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: FixtureFiles.url("pngsuite").path)) ?? []
        return names.filter { $0.hasPrefix("x") && $0.hasSuffix(".png") }.sorted()
    }()

    @Test func suiteIsComplete() {
        #expect(Self.expected.count == 161)
        #expect(Self.corruptFiles.count == 14)
    }

    @Test(arguments: expected) func validFileDecodesToExpectedPixels(_ row: [Substring]) throws {
        let name = String(row[0])
        let image = try ImageDecoder.decode(data: ImageFixtures.bytes("pngsuite/\(name)"), fileName: name)
        #expect(image.width == Int(row[1]) && image.height == Int(row[2]), "\(name) size")
        for sample in ImageFixtures.samples(row[4]) {
            let p = image[sample.x, sample.y]
            #expect(p == sample.rgb, "\(name) pixel (\(sample.x), \(sample.y)): got \(p), expected \(sample.rgb)")
        }
        #expect(ImageFixtures.sha256Hex(image.pixels) == String(row[3]), "\(name) pixels differ from pngtopam's")
    }

    @Test(arguments: corruptFiles) func corruptFileThrowsNamingIt(_ name: String) throws {
        let data = try ImageFixtures.bytes("pngsuite/\(name)")
        do {
            _ = try ImageDecoder.decode(data: data, fileName: name)
            Issue.record("\(name) decoded although it is corrupt")
        } catch let error as ImageDecodingError {
            #expect(error.fileName == name)
            #expect(error.description.hasPrefix("\(name): "))
        }
    }

    @Test func headerInfoMatchesFileName() throws {
        // PngSuite names encode the colour type, interlacing and bit depth: basi3p02 = interlaced palette 2-bit.
        for name in ["basi3p02.png", "basn0g16.png", "basn6a08.png", "tbbn3p08.png", "basn4a16.png"] {
            let info = try ImageDecoder.probe(data: ImageFixtures.bytes("pngsuite/\(name)"), fileName: name)
            let chars = Array(name)
            #expect(info.format == .png)
            #expect(info.isProgressive == (chars[3] == "i"), "\(name) interlace")
            #expect(info.bitDepth == Int(String(chars[6...7])), "\(name) depth")
            #expect(info.orientation == .up)
        }
        let palette = try ImageDecoder.probe(data: ImageFixtures.bytes("pngsuite/tbbn3p08.png"), fileName: "t.png")
        #expect(palette.colorModel == .palette && palette.hasTransparency)
        let rgba = try ImageDecoder.probe(data: ImageFixtures.bytes("pngsuite/basn6a08.png"), fileName: "t.png")
        #expect(rgba.colorModel == .rgbAlpha && rgba.hasTransparency)
    }
}
