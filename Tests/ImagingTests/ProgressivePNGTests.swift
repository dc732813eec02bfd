import Foundation
import Imaging
import Testing
import TestSupport

/// The network-input path decodes non-interlaced PNGs row by row into the area resize: it must give
/// exactly what decoding the whole image and then resizing gives.
@Suite struct ProgressivePNGTests {
    static func randomRows(width: Int, samplesPerPixel: Int, bytesPerSample: Int, seed: UInt64) -> (Int) -> [UInt8] {
        { y in
            var generator = SeededGenerator(seed: seed &+ UInt64(y))
            return (0..<(width * samplesPerPixel * bytesPerSample)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
    }

    /// Generated PNGs of every colour type, 8 and 16 bits, odd sizes.
    static let generated: [(String, [UInt8])] = [
        ("rgba16", PNGWriter.png(width: 301, height: 203, bitDepth: 16, colorType: .rgba,
                                 row: randomRows(width: 301, samplesPerPixel: 4, bytesPerSample: 2, seed: 1))),
        ("rgb8", PNGWriter.png(width: 97, height: 410, bitDepth: 8, colorType: .rgb,
                               row: randomRows(width: 97, samplesPerPixel: 3, bytesPerSample: 1, seed: 2))),
        ("gray16", PNGWriter.png(width: 250, height: 31, bitDepth: 16, colorType: .gray,
                                 row: randomRows(width: 250, samplesPerPixel: 1, bytesPerSample: 2, seed: 3))),
        ("grayAlpha8", PNGWriter.png(width: 64, height: 64, bitDepth: 8, colorType: .grayAlpha,
                                     row: randomRows(width: 64, samplesPerPixel: 2, bytesPerSample: 1, seed: 4))),
    ]

    static let targets = [(96, 96), (7, 5), (1, 1), (300, 1), (1, 400), (640, 480)]

    @Test func rowByRowEqualsWholeDecodeThenResize() throws {
        var inputs = Self.generated.map { ($0.0, $0.1) }
        // And every non-interlaced PngSuite image (all colour types, bit depths 1-16, tRNS).
        let suite = try FileManager.default.contentsOfDirectory(atPath: FixtureFiles.url("pngsuite").path)
            .filter { $0.hasSuffix(".png") && !$0.hasPrefix("x") && $0.dropFirst(3).first == "n" }.sorted()
        #expect(suite.count > 50)
        for name in suite { inputs.append((name, try ImageFixtures.bytes("pngsuite/\(name)"))) }
        for (name, bytes) in inputs {
            let whole = try ImageDecoder.decode(data: bytes, fileName: name)
            for (w, h) in Self.targets {
                let streamed = try ImageDecoder.decode(data: bytes, fileName: name, targetWidth: w, targetHeight: h)
                let reference = AreaResize.resize(whole, width: w, height: h)
                #expect(streamed == reference, "\(name) to \(w)x\(h)")
            }
        }
    }

    @Test func aCutOffFileFailsOnTheRowPath() throws {
        let bytes = Self.generated[0].1
        for cut in [bytes.count - 12, bytes.count / 2, 100] {
            #expect(throws: ImageDecodingError.self, "cut at \(cut)") {
                _ = try ImageDecoder.decode(data: Array(bytes.prefix(cut)), fileName: "cut.png", targetWidth: 96, targetHeight: 96)
            }
        }
    }

    @Test func interlacedImagesAboveTheirLimitAreRefusedBeforeDecoding() throws {
        // The header alone decides: the image data of this file is never read.
        let header = PNGWriter.png(width: 3000, height: 3000, bitDepth: 8, colorType: .rgb, interlaced: true) { _ in [0, 0, 0] }
        do {
            _ = try ImageDecoder.decode(data: header, fileName: "big-interlaced.png", targetWidth: 96, targetHeight: 96)
            Issue.record("a 9-megapixel interlaced PNG was decoded")
        } catch let error as ImageDecodingError {
            #expect(error.reason == .multiPassTooLarge(width: 3000, height: 3000, limit: DecodeLimits.default.maxInterlacedPixels))
            #expect(error.description.contains("big-interlaced.png: interlaced PNG of 3000x3000"))
        }
        // Small interlaced files still decode (PngSuite's Adam7 images are covered by PngSuiteTests).
        let small = try ImageDecoder.decode(data: ImageFixtures.bytes("pngsuite/basi2c16.png"), fileName: "basi2c16.png",
                                            targetWidth: 8, targetHeight: 8)
        #expect(small.width == 8)
    }
}

/// A progressive JPEG makes libjpeg hold every coefficient of the image until its last scan, at
/// any output scale: large ones are refused from the header, before that buffer exists.
@Suite struct ProgressiveJPEGLimitTests {
    /// `photo-progressive.jpg` with its frame header (SOF2) claiming `width` x `height`.
    static func claiming(width: Int, height: Int) throws -> [UInt8] {
        var bytes = try ImageFixtures.bytes("images/photo-progressive.jpg")
        let sof = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC2 })
        bytes[sof + 5] = UInt8(height >> 8); bytes[sof + 6] = UInt8(height & 0xFF)
        bytes[sof + 7] = UInt8(width >> 8); bytes[sof + 8] = UInt8(width & 0xFF)
        return bytes
    }

    @Test func aLargeProgressiveJPEGIsRefusedBeforeDecoding() throws {
        let bytes = try Self.claiming(width: 6000, height: 4000)
        for target in [(96, 96), nil] as [(Int, Int)?] {
            do {
                if let (w, h) = target {
                    _ = try ImageDecoder.decode(data: bytes, fileName: "big-progressive.jpg", targetWidth: w, targetHeight: h)
                } else {
                    _ = try ImageDecoder.decode(data: bytes, fileName: "big-progressive.jpg")
                }
                Issue.record("a 24-megapixel progressive JPEG was decoded")
            } catch let error as ImageDecodingError {
                #expect(error.reason == .multiPassTooLarge(width: 6000, height: 4000, limit: DecodeLimits.default.maxProgressiveJPEGPixels))
                #expect(error.description.contains("big-progressive.jpg: progressive JPEG of 6000x4000"))
            }
        }
        // The same file at its real size still decodes.
        let real = try ImageDecoder.decode(data: ImageFixtures.bytes("images/photo-progressive.jpg"), fileName: "p.jpg",
                                           targetWidth: 32, targetHeight: 32)
        #expect(real.width == 32)
    }
}
