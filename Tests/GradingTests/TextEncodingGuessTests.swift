import Foundation
import Glibc
import Testing
import TestSupport
@testable import Grading

/// Which encoding a manifest that is not UTF-8 has, on the files spreadsheets really write
/// (`Fixtures/manifests/`) and on the byte patterns that tell them apart.
@Suite struct TextEncodingGuessTests {
    private func guess(_ fixture: String) throws -> TextEncodingGuess? {
        TextEncodingGuess.ofNonUTF8(Array(try Data(contentsOf: FixtureFiles.url("manifests/" + fixture))))
    }

    @Test func excelFilesAreRecognised() throws {
        #expect(try guess("excel-vi-csv-utf8.csv") == nil)
        #expect(try guess("excel-vi-csv-cp1258.csv") == .windows1258)
        #expect(try guess("excel-en-csv-cp1252.csv") == .windows1252)
        #expect(try guess("excel-unicode-text-utf16le.txt") == .utf16(bigEndian: false, certain: true))
        #expect(try guess("utf16be-bom.csv") == .utf16(bigEndian: true, certain: true))
    }

    /// The Windows-1258 fixture, decoded by glibc's iconv (an independent decoder that composes
    /// tone marks), is the Vietnamese "CSV UTF-8" fixture's text: it holds what was meant.
    @Test func theWindows1258FixtureDecodesToTheSameText() throws {
        let legacy = Array(try Data(contentsOf: FixtureFiles.url("manifests/excel-vi-csv-cp1258.csv")))
        let utf8 = try Data(contentsOf: FixtureFiles.url("manifests/excel-vi-csv-utf8.csv")).dropFirst(3)
        let converter = iconv_open("UTF-8", "CP1258")
        try #require(converter != iconv_t(bitPattern: -1), "glibc iconv has no CP1258")
        defer { iconv_close(converter) }
        var input = legacy.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: legacy.count * 4)
        var inLeft = input.count, outLeft = output.count
        let converted = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                return iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            }
        }
        #expect(converted != -1 && inLeft == 0)
        let decoded = String(decoding: output.prefix(output.count - outLeft).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(decoded.precomposedStringWithCanonicalMapping == String(decoding: utf8, as: UTF8.self).precomposedStringWithCanonicalMapping)
        #expect(decoded.precomposedStringWithCanonicalMapping.contains("Nguyễn Văn Ba"))
    }

    @Test func utf8WithAndWithoutBOMIsUTF8() {
        #expect(TextEncodingGuess.ofNonUTF8(Array("file,crop\nx,cà chua\n".utf8)) == nil)
        #expect(TextEncodingGuess.ofNonUTF8([0xEF, 0xBB, 0xBF] + Array("file,crop\nx,cà chua\n".utf8)) == nil)
        #expect(TextEncodingGuess.ofNonUTF8([]) == nil)
    }

    @Test func utf16WithoutAMarkIsGuessedFromItsZeroBytes() {
        let text = "file,lot_code\r\na.jpg,L1\r\n"
        #expect(TextEncodingGuess.ofNonUTF8(Array(text.data(using: .utf16LittleEndian)!)) == .utf16(bigEndian: false, certain: false))
        #expect(TextEncodingGuess.ofNonUTF8(Array(text.data(using: .utf16BigEndian)!)) == .utf16(bigEndian: true, certain: false))
    }

    /// Western European text with letters that are Vietnamese-only bytes in Windows-1258 (ã, õ, ì,
    /// ò after consonants) stays Windows-1252; Vietnamese with tone marks after vowels and đ is 1258.
    @Test func vietnameseIsToldFromWesternEuropean() {
        let western = "farm_name\r\nSão João\r\nLimões\r\nperò così\r\nCafé Müller\r\n".data(using: .windowsCP1252)!
        #expect(TextEncodingGuess.ofNonUTF8(Array(western)) == .windows1252)
        // "Nguyễn Đức" in Windows-1258: ê + combining tilde, Đ, ư + combining acute.
        let vietnamese: [UInt8] = Array("farm_name\r\nNguy".utf8) + [0xEA, 0xDE] + Array("n ".utf8) + [0xD0, 0xFD, 0xEC]
            + Array("c\r\n".utf8)
        #expect(TextEncodingGuess.ofNonUTF8(vietnamese) == .windows1258)
    }

    @Test func aWorkbookSavedUnderACSVNameIsNamed() {
        #expect(TextEncodingGuess.ofNonUTF8([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]) == .spreadsheetWorkbook)
        #expect(TextEncodingGuess.ofNonUTF8([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]) == .spreadsheetWorkbook)
    }
}
