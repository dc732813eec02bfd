import Testing
@testable import Typesetting

@Suite struct TypefaceTests {
    /// Every letter of the Vietnamese alphabet with every tone mark, lower and upper case.
    static let vietnameseLetters: [String] = {
        let bases = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
        let tones = ["", "\u{0300}", "\u{0301}", "\u{0303}", "\u{0309}", "\u{0323}"]
        let vowels = bases.flatMap { base in tones.map { (base + $0).precomposedStringWithCanonicalMapping } }
        let consonants = "bcdđghklmnpqrstvx".map(String.init)
        return (vowels + consonants).flatMap { [$0, $0.uppercased()] }
    }()

    @Test(arguments: [false, true])
    func bundledNotoSansPrintsEveryVietnameseLetter(bold: Bool) throws {
        let face = try Typeface(FontData.notoSans(bold: bold))
        #expect(Self.vietnameseLetters.count == 2 * (12 * 6 + 17))
        for letter in Self.vietnameseLetters {
            let line = face.line(letter, pixelSize: 40)
            #expect(line.missing.isEmpty, "\(letter) has no glyph")
            #expect(line.glyphs.count == 1, "\(letter) should be one precomposed glyph, is \(line.glyphs.count)")
        }
        // And the license travels with the font files.
        #expect(face.line("苹", pixelSize: 40).missing == ["苹"])
    }

    @Test func combiningMarksPrintAsThePrecomposedLetter() throws {
        let face = try Typeface(FontData.notoSans(bold: false))
        // "Nguyễn" as some phones send it: e + circumflex + tilde (NFD).
        let decomposed = face.line("Nguye\u{0302}\u{0303}n", pixelSize: 48)
        let precomposed = face.line("Nguyễn", pixelSize: 48)
        #expect(decomposed.text == "Nguyễn")
        #expect(decomposed.glyphs.count == 6)
        #expect(decomposed.glyphs.map(\.coverage) == precomposed.glyphs.map(\.coverage))
        #expect(decomposed.glyphs.map(\.box) == precomposed.glyphs.map(\.box))
    }

    @Test func pairsAreKernedFromTheFontsGPOSTable() throws {
        let face = try Typeface(FontData.notoSans(bold: false))
        // Noto Sans kerns these pairs tighter than the glyphs' own advances (GPOS `kern`).
        for pair in ["AV", "To", "Yo", "LT"] {
            let together = face.line(pair, pixelSize: 200).advance
            let apart = pair.map { face.line(String($0), pixelSize: 200).advance }.reduce(0, +)
            #expect(together < apart, "\(pair): \(together) px together, \(apart) px glyph by glyph")
        }
        let plain = face.line("nn", pixelSize: 200).advance
        #expect(plain == 2 * face.line("n", pixelSize: 200).advance)
    }

    @Test func glyphBitmapsScaleWithThePixelSize() throws {
        let face = try Typeface(FontData.notoSans(bold: false))
        let small = try #require(face.line("H", pixelSize: 20).ink)
        let large = try #require(face.line("H", pixelSize: 200).ink)
        // Cap height of Noto Sans is 0.714 em; the ink sits on the baseline (y = 0 is the baseline).
        #expect(abs(large.height - 143) <= 2 && abs(small.height - 14) <= 2)
        #expect(large.maxY == 0 && small.maxY == 0)
        #expect(face.ascent(pixelSize: 1000) == 1069 && face.descent(pixelSize: 1000) == 293)
    }

    @Test func unreadableFontBytesAreAnError() {
        #expect(throws: TypesettingError.self) { try Typeface(FontData(name: "broken.ttf", bytes: Array("not a font".utf8))) }
        #expect(throws: TypesettingError.self) { try Typeface(FontData(name: "empty.ttf", bytes: [])) }
    }
}
