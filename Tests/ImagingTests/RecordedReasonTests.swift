import Foundation
import Imaging
import Localization
import Testing
import TestSupport

/// A grading entry records why a photo could not be read in English (`reasonText`); readers read
/// it back (`recordedReason`) to show it in their language. Every reason this build words must
/// come back as the same message, and any other text must stay exactly as recorded.
@Suite struct RecordedReasonTests {
    static let vietnamese = try! Localizer.bundled(.vietnamese)

    private func decodingError(_ data: [UInt8], limits: DecodeLimits = .default) -> ImageDecodingError? {
        do {
            _ = try ImageDecoder.decode(data: data, fileName: "x", limits: limits)
            return nil
        } catch {
            return error as? ImageDecodingError
        }
    }

    /// Reasons from real bad files (with the codec's own words) and one of every kind the decoder has.
    private func everyReason() throws -> [ImageDecodingError] {
        let jpeg = try ImageFixtures.bytes("images/photo.jpg")
        let png = try ImageFixtures.bytes("pngsuite/basn2c08.png")
        var corruptPNG = png
        corruptPNG[40] ^= 0xFF
        let fromFiles = [
            decodingError(Array(jpeg.prefix(jpeg.count / 2))), decodingError(Array(png.prefix(png.count / 2))),
            decodingError(corruptPNG), decodingError([]), decodingError([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]),
            decodingError(try ImageFixtures.bytes("images/many-scans.jpg")),
            decodingError(jpeg, limits: DecodeLimits(maxBytes: 1000, maxPixels: 1 << 30)),
            decodingError(jpeg, limits: DecodeLimits(maxBytes: 1 << 30, maxPixels: 1000)),
        ].compactMap { $0 }
        #expect(fromFiles.count == 8)
        #expect(fromFiles.contains { $0.libraryMessage != nil })
        let reasons: [ImageDecodingError.Reason] = [
            .emptyFile, .notFound, .truncated, .invalidData, .fileTooLarge(bytes: 123_456_789, limit: 50_000_000),
            .unreadable(Message("Is a directory")), .unrecognisedFormat(leadingBytes: []), .unrecognisedFormat(leadingBytes: [0, 0x1F, 0xFF]),
            .tooManyPixels(width: 40_000, height: 30_000, limit: 100_000_000), .multiPassTooLarge(width: 9000, height: 8000, limit: 50_000_000),
            .tooManyPixels(width: 100_000, height: 100_000, limit: 64_000_000),
        ]
        let made = reasons.flatMap { reason in
            [nil, ImageFormat.jpeg, .png].flatMap { format in
                [nil, "Premature end of JPEG file", "IDAT: CRC error (chunk (x): y)"].map {
                    ImageDecodingError(fileName: "x", format: format, reason: reason, libraryMessage: $0)
                }
            }
        }
        return fromFiles + made
    }

    @Test func everyRecordedReasonReadsBackInTheReadersLanguage() throws {
        for error in try everyReason() {
            let recorded = error.reasonText
            let read = ImageDecodingError.recordedReason(recorded)
            #expect(read.description == recorded)
            #expect(Self.vietnamese.render(read) == Self.vietnamese.render(error.reasonMessage), "\(recorded)")
        }
        // Read back, the words are Vietnamese: not the English recorded.
        let truncated = ImageDecodingError(fileName: "x", format: .jpeg, reason: .truncated, libraryMessage: "Premature end of JPEG file")
        #expect(Self.vietnamese.render(ImageDecodingError.recordedReason(truncated.reasonText))
                == "dữ liệu JPEG bị cắt cụt (tệp không trọn vẹn) (thông báo gốc của libjpeg: Premature end of JPEG file)")
    }

    /// Ledger text is hostile input: anything that is not exactly a reason this build makes is
    /// shown as recorded (its control and bidirectional characters escaped, as all quoted text
    /// is), and no number in it can make the rendering overflow.
    @Test(arguments: [
        "", "unreadable", "model failed: NaN", "truncated JPEG data ", "Truncated JPEG data", "truncated GIF data",
        "JPEG header says 9999999999999x9999999999999 = 1 pixels, above the limit of 5",
        "JPEG header says 4294967296x4294967296 = 0 pixels, above the limit of 5",
        "file is 99999999999999999999999 bytes, above the limit of 1 bytes",
        "not a JPEG or PNG file (starts with zz)", "not a JPEG or PNG file (starts with 0 1 2)",
        "truncated JPEG data (libjpeg: unclosed", "truncated JPEG data (libgif: x)", "invalid PNG data (libjpeg: x)",
        "file cannot be read:", "\u{202E}truncated JPEG data",
    ])
    func otherTextStaysAsRecorded(_ text: String) {
        let read = ImageDecodingError.recordedReason(text)
        let shown = TerminalText.escapingControls(text)
        #expect(Self.vietnamese.render(read) == shown)
        #expect(read.description == shown)
        #expect(!shown.unicodeScalars.contains { TerminalText.isBidiControl($0) })
    }
}
