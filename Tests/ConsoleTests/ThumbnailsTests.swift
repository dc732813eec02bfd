import Crypto
import Foundation
import Imaging
import Testing
import TestSupport
@testable import Console

/// Thumbnails are made from hostile bytes: a real photo gives a small upright PNG; bytes that
/// do not decode within the limits, or a picture claiming more pixels than allowed, give none.
@Suite struct ThumbnailsTests {
    static func digest(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @Test func aPhotoGivesASmallUprightPNGNamedByItsDigest() throws {
        let directory = try TemporaryDirectory(prefix: "thumbnails")
        defer { directory.remove() }
        let thumbnails = try Thumbnails(directory: directory.url)
        for name in ["photo.jpg", "orientation-6.jpg", "orientation-upright.png"] {
            let data = try FixtureFiles.data("images/" + name)
            let original = try ImageDecoder.decode(data: data, fileName: name)
            let sha = Self.digest(data)
            #expect(thumbnails.make(sha256: sha, data: data, fileName: name))
            #expect(thumbnails.has(sha256: sha))
            let made = try ImageDecoder.decode(data: try Data(contentsOf: thumbnails.file(sha256: sha)), fileName: "thumbnail.png")
            #expect(max(made.width, made.height) == min(Thumbnails.edge, max(original.width, original.height)), "\(name): \(made.width)x\(made.height)")
            // Upright and the same shape: EXIF orientation applied, aspect ratio kept to a pixel.
            #expect(abs(made.width * original.height - made.height * original.width) <= max(original.width, original.height), "\(name)")
        }
    }

    @Test func bytesThatDoNotDecodeOrClaimTooManyPixelsGiveNone() throws {
        let directory = try TemporaryDirectory(prefix: "thumbnails-hostile")
        defer { directory.remove() }
        let thumbnails = try Thumbnails(directory: directory.url)
        var generator = SeededGenerator(seed: 7)
        let noise = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        // 20000 x 20000 = 400 megapixels in a few hundred bytes: over the decoder's pixel limit.
        let bomb = Data(PNGWriter.png(width: 20_000, height: 20_000, bitDepth: 1, colorType: .gray) { _ in [UInt8](repeating: 0, count: 2500) })
        var cut = try FixtureFiles.data("images/photo.jpg")
        cut = cut.prefix(cut.count / 3)
        for (name, data) in [("noise.jpg", noise), ("bomb.png", bomb), ("cut.jpg", cut), ("empty.jpg", Data())] {
            let sha = Self.digest(data)
            let made = thumbnails.make(sha256: sha, data: data, fileName: name)
            #expect(!thumbnails.has(sha256: sha), "\(name): made \(made)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { !$0.hasSuffix(".png") }.isEmpty, "no partial files left")
        #expect(!Thumbnails.isDigest("../" + String(repeating: "a", count: 61)) && !Thumbnails.isDigest(String(repeating: "A", count: 64)))
    }
}
