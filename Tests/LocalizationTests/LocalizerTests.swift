import Foundation
import Localization
import Testing

@Suite struct LocalizerTests {
    static let vi = Localizer(language: .vietnamese, catalogue: nil)
    static let en = Localizer.english

    @Test func numbersGroupAndSeparateTheLanguagesWay() {
        #expect(Self.vi.number(1_234_567) == "1.234.567")
        #expect(Self.en.number(1_234_567) == "1,234,567")
        #expect(Self.vi.number(999) == "999")
        #expect(Self.en.number(-1000) == "-1,000")
        #expect(Self.vi.number(Int.min) == "-9.223.372.036.854.775.808")
        #expect(Self.vi.decimal(1234.5, digits: 1) == "1.234,5")
        #expect(Self.en.decimal(1234.5, digits: 1) == "1,234.5")
        #expect(Self.en.decimal(0.125, digits: 2) == "0.13")
        #expect(Self.vi.decimal(-0.04, digits: 1) == "0,0")
        #expect(Self.en.decimal(2.05, digits: 0) == "2")
        #expect(Self.vi.decimal(.nan, digits: 1) == "nan")
        #expect(Self.vi.format(.percent(0.905, digits: 1)) == "90,5%")
        #expect(Self.en.format(.percent(0.9, digits: 0)) == "90%")
    }

    @Test func daysAndTimesInTheLanguagesOrder() {
        #expect(Self.vi.day("2026-11-03") == "03/11/2026")
        #expect(Self.en.day("2026-11-03") == "2026-11-03")
        #expect(Self.vi.day("3/11/2026") == "3/11/2026", "not ISO: as given")
        #expect(Self.vi.timestamp("2026-11-05T08:01:02Z") == "05/11/2026 08:01:02 UTC")
        #expect(Self.vi.timestamp("2026-11-05T08:01:02.123Z") == "05/11/2026 08:01:02 UTC")
        #expect(Self.en.timestamp("2026-11-05T08:01:02.123Z") == "2026-11-05 08:01:02 UTC", "English: for people, not the ledger's T…Z")
        #expect(Self.en.timestamp("2026-11-05T08:01:02Z") == "2026-11-05 08:01:02 UTC")
        #expect(Self.en.timestamp("2026-11-05T08:01:02+07:00") == "2026-11-05T08:01:02+07:00")
        #expect(Self.vi.timestamp("2026-11-05 08:01:02") == "2026-11-05 08:01:02")
        #expect(Self.vi.timestamp("2026-11-05T08:01:02+07:00") == "2026-11-05T08:01:02+07:00")
    }

    @Test func englishRendersTheSourceTextAndPluralsWithoutACatalogue() {
        #expect(Self.en.render(Message("{n} photo", plural: "{n} photos", count: 1)) == "1 photo")
        #expect(Self.en.render(Message("{n} photo", plural: "{n} photos", count: 0)) == "0 photos")
        #expect(Self.en.render(Message("{n} photo", plural: "{n} photos", count: 1200)) == "1,200 photos")
        #expect(Self.en.render(Message("Lot {lot} {{literal}} on {day}", ["lot": .text("A-1"), "day": .day("2026-01-02")]))
                == "Lot A-1 {literal} on 2026-01-02")
        #expect(Self.vi.render(Message("Harvested {day}", ["day": .day("2026-01-02")])) == "Harvested 02/01/2026",
                "arguments are formatted in the language even when the text has no translation")
        #expect(Self.en.render(Message("Reason: {why}", ["why": .message(Message("not found"))])) == "Reason: not found")
        #expect(Message.verbatim("{not a placeholder}").description == "{not a placeholder}")
    }

    /// Quoted text from outside cannot reorder or recolour the words around it, in any
    /// language and wherever the rendered message goes (terminal, stored error, web page).
    @Test func quotedTextHasItsControlsEscapedLineBreaksKept() {
        let hostile = "ledger\u{202E}RTL\u{1B}[31m\u{0}\u{85}\u{2066}x\ny\tz"
        let escaped = "ledger\\u{202e}RTL\\u{1b}[31m\\u{0}\\u{85}\\u{2066}x\ny\tz"
        for localizer in [Self.en, Self.vi] {
            #expect(localizer.render(Message("checkpoint origin is '{found}', expected '{expected}'", ["found": .text(hostile), "expected": .text("a")]))
                    .contains("'\(escaped)'"))
            #expect(localizer.render(Message("Reason: {why}", ["why": .message(.verbatim(hostile))])) .hasSuffix(escaped))
            #expect(localizer.render(.verbatim(hostile)) == escaped)
        }
        // Vietnamese text and combining marks are not controls.
        #expect(Self.en.render(Message("Lot {lot}", ["lot": .text("Hợp tác xã Tiến\u{0301}")])) == "Lot Hợp tác xã Tiến\u{0301}")
    }

    @Test func bundledVietnameseCatalogueLoads() throws {
        let vi = try Localizer.bundled(.vietnamese)
        #expect(vi.render(Message("Example:")) == "Ví dụ:")
        #expect(try Localizer.bundled(.english).render(Message("Example:")) == "Example:")
    }

    @Test func languageFromArgumentsThenEnvironment() throws {
        let vi = ["LANG": "vi_VN.UTF-8"]
        #expect(try LanguageChoice.resolve(arguments: ["agritrace", "trace", "X"], environment: vi) == (.vietnamese, ["agritrace", "trace", "X"]))
        #expect(try LanguageChoice.resolve(arguments: ["agritrace", "--lang", "en", "trace"], environment: vi) == (.english, ["agritrace", "trace"]))
        #expect(try LanguageChoice.resolve(arguments: ["agritrace", "trace", "--lang=vi"], environment: [:]) == (.vietnamese, ["agritrace", "trace"]))
        #expect(try LanguageChoice.resolve(arguments: ["agritrace", "--", "--lang", "vi"], environment: [:])
                == (.english, ["agritrace", "--", "--lang", "vi"]), "after --, --lang is an argument")
        // POSIX precedence: LC_ALL over LC_MESSAGES over LANG; empty values do not count.
        #expect(try LanguageChoice.resolve(arguments: [], environment: ["LC_ALL": "C", "LANG": "vi_VN"]).language == .english)
        #expect(try LanguageChoice.resolve(arguments: [], environment: ["LC_ALL": "", "LC_MESSAGES": "vi", "LANG": "en_US"]).language == .vietnamese)
        #expect(try LanguageChoice.resolve(arguments: [], environment: ["LANG": "en_US.UTF-8"]).language == .english)
        #expect(try LanguageChoice.resolve(arguments: [], environment: [:]).language == .english)
        #expect(throws: LanguageChoiceError.unknownLanguage("fr")) { try LanguageChoice.resolve(arguments: ["a", "--lang", "fr"], environment: vi) }
        #expect(throws: LanguageChoiceError.missingValue) { try LanguageChoice.resolve(arguments: ["a", "--lang"], environment: vi) }
        let message = LanguageChoiceError.unknownLanguage("f\u{1B}[2Jr").description
        #expect(message.contains("must be vi") && message.contains("phải là vi") && !message.contains("\u{1B}"))
    }
}
