import Foundation
import Imaging
import Testing
import TestSupport

@Suite struct PNGEncoderTests {
    @Test(arguments: [(1, 1), (3, 5), (64, 33), (257, 2)])
    func roundTripsThroughTheDecoder(_ size: (Int, Int)) throws {
        let image = ImageFixtures.randomImage(width: size.0, height: size.1, seed: UInt64(size.0 * 7 + size.1))
        for level in [0, 6, 9] {
            let bytes = try PNGEncoder.encode(image, compressionLevel: level)
            #expect(ImageFormat.sniff(bytes) == .png)
            let info = try ImageDecoder.probe(data: bytes, fileName: "e.png")
            #expect(info.colorModel == .rgb && info.bitDepth == 8 && !info.isProgressive)
            #expect(try ImageDecoder.decode(data: bytes, fileName: "e.png") == image)
        }
    }

    @Test func writesAFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("label.png")
        let image = ImageFixtures.randomImage(width: 21, height: 21, seed: 4)
        try PNGEncoder.write(image, to: url)
        #expect(try ImageDecoder.decode(data: ImageDecoder.readFile(at: url), fileName: "label.png") == image)
    }
}
