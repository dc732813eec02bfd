import Foundation
import Imaging
import Testing
import TestSupport

/// Bad input must give an ImageDecodingError naming the file: never a crash, exit, hang, or a
/// silently gray-filled image.
@Suite struct MalformedInputTests {
    private func reason(_ data: [UInt8], _ name: String = "bad.jpg",
                        limits: DecodeLimits = .default) -> ImageDecodingError.Reason? {
        do {
            _ = try ImageDecoder.decode(data: data, fileName: name, limits: limits)
            return nil
        } catch let error as ImageDecodingError {
            #expect(error.fileName == name)
            return error.reason
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func aMissingFileIsNotFoundNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: ImageDecodingError.self) {
            try ImageDecoder.readFile(at: directory.url.appendingPathComponent("IMG_404.jpg"))
        }
        #expect(error?.reason == .notFound)
        #expect(error?.description == "IMG_404.jpg: not found")
    }

    @Test func emptyAndUnknownFiles() {
        #expect(reason([]) == .emptyFile)
        #expect(reason([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]) == .unrecognisedFormat(leadingBytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]))
        #expect(reason([0xFF, 0xD8]) == .unrecognisedFormat(leadingBytes: [0xFF, 0xD8]))
        #expect(reason([0xFF, 0xD8, 0xFF]) == .truncated)
        #expect(reason([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .truncated)
        let error = ImageDecodingError(fileName: "x.jpg", format: nil, reason: .unrecognisedFormat(leadingBytes: [0x47, 0x49]))
        #expect(error.description == "x.jpg: not a JPEG or PNG file (starts with 47 49)")
    }

    /// Cutting a JPEG anywhere must fail: libjpeg alone would return a gray-filled image.
    @Test(arguments: ["photo.jpg", "photo-progressive.jpg", "photo-gray.jpg", "photo-cmyk.jpg", "ycck-adobe.jpg"])
    func truncatedJPEGFailsAtEveryOffset(_ name: String) throws {
        let data = try ImageFixtures.bytes("images/\(name)")
        var offsets = Array(stride(from: 1, to: data.count, by: max(1, data.count / 97)))
        offsets += [data.count - 1, data.count - 2, 3, 4, 20]
        for length in offsets {
            let truncated = Array(data.prefix(length))
            let failure = reason(truncated)
            #expect(failure != nil, "\(name) cut to \(length) of \(data.count) bytes decoded")
            #expect(throws: ImageDecodingError.self, "\(name) cut to \(length), fast path") {
                try ImageDecoder.decode(data: truncated, fileName: "t.jpg", targetWidth: 24, targetHeight: 24)
            }
        }
        #expect(reason(Array(data.prefix(data.count / 2))) == .truncated)
    }

    @Test(arguments: ["basn2c08.png", "basi6a16.png", "tbbn3p08.png"])
    func truncatedPNGFailsAtEveryOffset(_ name: String) throws {
        let data = try ImageFixtures.bytes("pngsuite/\(name)")
        for length in 1..<data.count {
            #expect(reason(Array(data.prefix(length)), "t.png") != nil, "\(name) cut to \(length) of \(data.count)")
        }
    }

    /// Flipping bytes in the headers (markers, tables, SOF, IHDR) may give a different but valid
    /// image or an error; it must never crash. Seeded, so failures reproduce.
    @Test(arguments: ["images/photo.jpg", "images/photo-progressive.jpg", "pngsuite/basn2c08.png", "pngsuite/basi3p08.png"])
    func headerByteFlipsNeverCrash(_ path: String) throws {
        let data = try ImageFixtures.bytes(path)
        var generator = SeededGenerator(seed: 2)
        var failures = 0
        let headerLength = min(data.count, path.hasSuffix(".png") ? 120 : 700)
        for position in 0..<headerLength {
            for _ in 0..<2 {
                var mutated = data
                mutated[position] ^= UInt8.random(in: 1...255, using: &generator)
                do { _ = try ImageDecoder.decode(data: mutated, fileName: "f", targetWidth: 16, targetHeight: 16) }
                catch is ImageDecodingError { failures += 1 }
            }
        }
        #expect(failures > 0, "no flip in \(path)'s header was detected")
    }

    @Test func lyingJPEGDimensionsAreRejectedBeforeAllocation() throws {
        var data = try ImageFixtures.bytes("images/photo.jpg")
        // SOF0 (FF C0): length(2) precision(1) height(2) width(2).
        let sof = (0..<(data.count - 1)).first { data[$0] == 0xFF && data[$0 + 1] == 0xC0 }!
        data[sof + 5] = 0xEA; data[sof + 6] = 0x60    // height 60000
        data[sof + 7] = 0xEA; data[sof + 8] = 0x60    // width 60000
        #expect(reason(data) == .tooManyPixels(width: 60000, height: 60000, limit: DecodeLimits.default.maxPixels))
        let info = try ImageDecoder.probe(data: data, fileName: "lie.jpg")
        #expect(info.width == 60000)
        // A modest lie within the limits: the scan data runs out, so the decode fails cleanly.
        data[sof + 5] = 0x08; data[sof + 6] = 0x00
        data[sof + 7] = 0x08; data[sof + 8] = 0x00
        #expect(reason(data) != nil)
    }

    @Test func lyingPNGDimensionsAreRejectedBeforeAllocation() throws {
        var data = try ImageFixtures.bytes("pngsuite/basn2c08.png")
        // IHDR data starts at 16: width(4) height(4); its CRC follows the 13 data bytes.
        func setIHDR(width: UInt32, height: UInt32) {
            for (i, v) in [width, height].enumerated() {
                for k in 0..<4 { data[16 + 4 * i + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(k))) }
            }
            let crc = crc32(data[12..<29])
            for k in 0..<4 { data[29 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        }
        setIHDR(width: 100_000, height: 100_000)
        #expect(reason(data, "lie.png") == .tooManyPixels(width: 100_000, height: 100_000, limit: DecodeLimits.default.maxPixels))
        setIHDR(width: 3000, height: 3000)
        #expect(reason(data, "lie.png") != nil)
    }

    /// 631 legal progressive scans: each re-walks the whole coefficient buffer, so on a large
    /// image such a file costs minutes. The decoder stops after 500 scans.
    @Test func progressiveScanFloodIsRejected() throws {
        let data = try ImageFixtures.bytes("images/many-scans.jpg")
        #expect(try ImageDecoder.probe(data: data, fileName: "s.jpg").isProgressive)
        do {
            _ = try ImageDecoder.decode(data: data, fileName: "s.jpg")
            Issue.record("a 631-scan JPEG decoded")
        } catch let error as ImageDecodingError {
            #expect(error.reason == .invalidData)
            #expect(error.libraryMessage == "more than 500 scans in a progressive JPEG")
        }
    }

    @Test func limitsAreEnforced() throws {
        let data = try ImageFixtures.bytes("images/photo.jpg")
        #expect(reason(data, limits: DecodeLimits(maxBytes: 1000, maxPixels: 1 << 30))
                == .fileTooLarge(bytes: data.count, limit: 1000))
        #expect(reason(data, limits: DecodeLimits(maxBytes: 1 << 30, maxPixels: 279 * 200 - 1))
                == .tooManyPixels(width: 279, height: 200, limit: 279 * 200 - 1))
        #expect(reason(data, limits: DecodeLimits(maxBytes: data.count, maxPixels: 279 * 200)) == nil)
    }

    @Test func mislabelledPNGDecodesByContentAndIsReported() throws {
        let data = try ImageFixtures.bytes("pngsuite/basn2c08.png")
        let image = try ImageDecoder.decode(data: data, fileName: "photo.jpg")
        #expect(image.width == 32)
        let info = try ImageDecoder.probe(data: data, fileName: "photo.JPG")
        #expect(info.format == .png && info.mislabelledAs == .jpeg)
        #expect(try ImageDecoder.probe(data: data, fileName: "photo.png").mislabelledAs == nil)
        #expect(try ImageDecoder.probe(data: data, fileName: "photo").mislabelledAs == nil)
    }

    @Test func errorNamesFileAndLibraryMessage() throws {
        let data = try ImageFixtures.bytes("images/photo.jpg")
        do {
            _ = try ImageDecoder.decode(data: Array(data.prefix(5000)), fileName: "lot7/IMG_0001.jpg")
            Issue.record("truncated file decoded")
        } catch let error as ImageDecodingError {
            #expect(error.reason == .truncated && error.format == .jpeg)
            #expect(error.libraryMessage == "Premature end of JPEG file")
            #expect(error.description == "lot7/IMG_0001.jpg: truncated JPEG data (libjpeg: Premature end of JPEG file)")
        }
    }
}
