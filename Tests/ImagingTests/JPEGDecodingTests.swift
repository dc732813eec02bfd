import Imaging
import Testing
import TestSupport

/// JPEG variants against Pillow's decode of the same files (Fixtures/images/jpeg-expected.tsv,
/// made by Fixtures/tools/make_jpeg_fixtures.py) and against known ink patches.
@Suite struct JPEGDecodingTests {
    static let expected: [[Substring]] = ((try? ImageFixtures.table("images/jpeg-expected.tsv")) ?? [])
        .filter { $0[0].hasSuffix(".jpg") }

    /// Pillow bundles a different libjpeg-turbo build than the system's, so its decode is only a
    /// near-independent reference: both use the accurate integer IDCT and fancy upsampling, so
    /// pixels may differ by rounding alone. Allow +-2 per sample and a tiny mean difference.
    @Test(arguments: expected) func decodesLikePillow(_ row: [Substring]) throws {
        let name = String(row[0])
        let image = try ImageDecoder.decode(data: ImageFixtures.bytes("images/\(name)"), fileName: name)
        #expect(image.width == Int(row[1]) && image.height == Int(row[2]))
        for sample in ImageFixtures.samples(row[5]) {
            let p = image[sample.x, sample.y]
            let worst = max(abs(Int(p.r) - Int(sample.rgb.0)), abs(Int(p.g) - Int(sample.rgb.1)),
                            abs(Int(p.b) - Int(sample.rgb.2)))
            #expect(worst <= 2, "\(name) (\(sample.x), \(sample.y)): got \(p), Pillow \(sample.rgb)")
        }
        if ImageFixtures.sha256Hex(image.pixels) != String(row[4]) {
            Issue.record("\(name): RGB8 differs from Pillow's decode (SHA-256 \(row[4]))")
        }
    }

    @Test func headerInfo() throws {
        func info(_ name: String) throws -> ImageInfo {
            try ImageDecoder.probe(data: ImageFixtures.bytes("images/\(name)"), fileName: name)
        }
        let baseline = try info("photo.jpg")
        #expect(baseline.format == .jpeg && baseline.colorModel == .rgb && !baseline.isProgressive)
        #expect(baseline.width == 279 && baseline.height == 200 && baseline.orientation == .up)
        #expect(try info("photo-progressive.jpg").isProgressive)
        #expect(try info("photo-gray.jpg").colorModel == .gray)
        #expect(try info("photo-cmyk.jpg").colorModel == .cmyk)
        #expect(try info("ycck-adobe.jpg").colorModel == .ycck)
        #expect(try info("cmyk-plain.jpg").colorModel == .cmyk)
    }

    @Test func grayscaleIsReplicatedToRGB() throws {
        let image = try ImageDecoder.decode(data: ImageFixtures.bytes("images/photo-gray.jpg"), fileName: "g.jpg")
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            guard image.pixels[i] == image.pixels[i + 1] && image.pixels[i] == image.pixels[i + 2] else {
                Issue.record("pixel \(i / 3) is not gray"); return
            }
        }
    }

    /// ycck-adobe.jpg stores inverted samples under an Adobe marker; cmyk-plain.jpg stores plain ink
    /// without one. Both must show the same 8 patches, RGB = round((255-ink)*(255-k)/255).
    @Test(arguments: ["ycck-adobe.jpg", "cmyk-plain.jpg"]) func fourComponentPatches(_ name: String) throws {
        let patches = try ImageFixtures.table("images/jpeg-expected.tsv").first { $0[0] == "patches" }!
        let colours = patches[1].split(separator: " ").map { hex in
            let digits = Array(hex)
            return (0..<3).map { UInt8(String(digits[2 * $0..<(2 * $0 + 2)]), radix: 16)! }
        }
        let image = try ImageDecoder.decode(data: ImageFixtures.bytes("images/\(name)"), fileName: name)
        #expect(image.width == 64 && image.height == 32)
        for (index, colour) in colours.enumerated() {
            // Centre of each 16x16 patch; quality 100 leaves at most rounding error there.
            let p = image[(index % 4) * 16 + 8, (index / 4) * 16 + 8]
            let got = [p.r, p.g, p.b]
            let worst = zip(got, colour).map { abs(Int($0) - Int($1)) }.max()!
            #expect(worst <= 2, "\(name) patch \(index): got \(got), expected \(colour)")
        }
    }

    /// Arithmetic-coded (SOF9) gradient: pixel (x, y) = (10x, 15y, 255 - 10x) at quality 100, 4:4:4.
    @Test func arithmeticCodedJPEG() throws {
        let image = try ImageDecoder.decode(data: ImageFixtures.bytes("images/arithmetic.jpg"), fileName: "a.jpg")
        #expect(image.width == 24 && image.height == 16)
        var worst = 0
        for y in 0..<16 {
            for x in 0..<24 {
                let p = image[x, y]
                worst = max(worst, abs(Int(p.r) - x * 10), abs(Int(p.g) - y * 15), abs(Int(p.b) - (255 - x * 10)))
            }
        }
        #expect(worst <= 3, "largest difference from the gradient: \(worst)")
    }

    /// orientation-N.jpg stores the picture so that EXIF orientation N shows orientation-upright.png.
    @Test(arguments: 1...8) func exifOrientationIsApplied(_ n: Int) throws {
        let upright = try ImageDecoder.decode(data: ImageFixtures.bytes("images/orientation-upright.png"), fileName: "u.png")
        let data = try ImageFixtures.bytes("images/orientation-\(n).jpg")
        let info = try ImageDecoder.probe(data: data, fileName: "o.jpg")
        #expect(info.orientation.rawValue == n)
        #expect(info.width == 80 && info.height == 60)
        #expect((info.storedWidth, info.storedHeight) == (n >= 5 ? (60, 80) : (80, 60)))
        let image = try ImageDecoder.decode(data: data, fileName: "o.jpg")
        #expect(image.width == 80 && image.height == 60)
        // Quality 95 4:4:4 JPEG noise only; any wrong orientation gives a mean difference of 30+.
        let (mean, _) = ImageFixtures.difference(image, upright)
        #expect(mean < 3, "orientation \(n): mean difference \(mean) from the upright picture")
        // The fast path orients too, and its target is the upright size.
        let small = try ImageDecoder.decode(data: data, fileName: "o.jpg", targetWidth: 40, targetHeight: 20)
        let reference = AreaResize.resizeReference(upright, width: 40, height: 20)
        #expect(ImageFixtures.difference(small, reference).mean < 3, "orientation \(n) fast path")
    }

    @Test func exifParserRejectsMalformedPayloads() {
        // Big-endian TIFF header, IFD0 at 8 with one entry: tag 0x0112 SHORT count 1 value 6.
        let good: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]
        #expect(ExifOrientation.parse(exif: good) == .right)
        var outOfRange = good; outOfRange[19] = 9
        #expect(ExifOrientation.parse(exif: outOfRange) == .up)
        var wrongType = good; wrongType[13] = 4
        #expect(ExifOrientation.parse(exif: wrongType) == .up)
        var badOffset = good; badOffset[7] = 200
        #expect(ExifOrientation.parse(exif: badOffset) == .up)
        for length in 0..<good.count { _ = ExifOrientation.parse(exif: Array(good.prefix(length))) }
        #expect(ExifOrientation.parse(exif: Array(good.prefix(19))) == .up)
    }
}
