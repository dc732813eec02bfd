import Foundation
import Localization
import Testing
import TestSupport

@Suite struct CatalogueParserTests {
    static let header = """
        msgid ""
        msgstr ""
        "Language: vi\\n"
        "Content-Type: text/plain; charset=UTF-8\\n"
        "Plural-Forms: nplurals=1; plural=0;\\n"

        """

    static func parse(_ text: String, language: String? = "vi") throws(CatalogueError) -> Catalogue {
        try Catalogue.parse(Data(text.utf8), file: "test.po", expectedLanguage: language)
    }

    static func render(_ catalogue: Catalogue, _ message: Message) -> String {
        Localizer(language: .vietnamese, catalogue: catalogue).render(message)
    }

    @Test func readsEntriesContextsPluralsAndContinuations() throws {
        let catalogue = try Self.parse(Self.header + """
            # translator comment
            #: Sources/X.swift:12
            msgid "Lot {lot} is held"
            msgstr "Lô {lot} đang "
            "chờ xem xét"

            msgctxt "grade name"
            msgid "Reject"
            msgstr "Loại bỏ"

            msgid "{n} photo"
            msgid_plural "{n} photos"
            msgstr[0] "{n} ảnh"
            msgid "Tab\\there \\"quoted\\" back\\\\slash"
            msgstr "Tab\\tở đây \\"trích\\" gạch\\\\ngược"

            """)
        #expect(Self.render(catalogue, Message("Lot {lot} is held", ["lot": .text("DT-1")])) == "Lô DT-1 đang chờ xem xét")
        #expect(Self.render(catalogue, Message("Reject", context: "grade name")) == "Loại bỏ")
        #expect(Self.render(catalogue, Message("Reject")) == "Reject", "no context: another message")
        #expect(Self.render(catalogue, Message("{n} photo", plural: "{n} photos", count: 1234)) == "1.234 ảnh")
        #expect(Self.render(catalogue, Message("Tab\there \"quoted\" back\\slash")) == "Tab\tở đây \"trích\" gạch\\ngược")
        #expect(catalogue.allEntries.count == 4)
        #expect(catalogue.language == "vi")
    }

    @Test func fuzzyAndEmptyTranslationsFallBackToEnglish() throws {
        let catalogue = try Self.parse(Self.header + """
            #, fuzzy
            msgid "Verified"
            msgstr "Sai {x}"

            msgid "Held"
            msgstr ""

            """)
        #expect(Self.render(catalogue, Message("Verified")) == "Verified")
        #expect(Self.render(catalogue, Message("Held")) == "Held")
        #expect(catalogue.allEntries.allSatisfy { !$0.isTranslated })
    }

    @Test func acceptsBOMAndCRLF() throws {
        let text = "\u{FEFF}" + (Self.header + "msgid \"A\"\nmsgstr \"Á\"\n").replacingOccurrences(of: "\n", with: "\r\n")
        let catalogue = try Self.parse(text)
        #expect(Self.render(catalogue, Message("A")) == "Á")
    }

    /// Every kind of broken catalogue is an error naming the line, never a crash.
    @Test(arguments: [
        ("msgid \"A\"\nmsgstr \"B\"\n", 1, "header"),
        (header + "msgid \"A\"\n\nmsgid \"B\"\nmsgstr \"C\"\n", 8, "msgid without msgstr"),
        (header + "msgid \"A\"\nmsgstr \"B\n", 7, "expected a string"),
        (header + "msgid \"A\"\nmsgstr \"B\\q\"\n", 7, "unknown escape"),
        (header + "msgid \"A\"\nmsgstr \"B\" x\n", 7, "expected a string"),
        (header + "msgid \"A\"\nmsgstr \"a\"b\"\n", 7, "unescaped"),
        (header + "msgid \"A\"\nmsgstr \"B\"\n\nmsgid \"A\"\nmsgstr \"C\"\n", 9, "duplicate of the entry at line 6"),
        (header + "msgid \"Lot {lot}\"\nmsgstr \"Lô {lo}\"\n", 6, "placeholder {lo}"),
        (header + "msgid \"Lot {lot}\"\nmsgstr \"Lô\"\n", 6, "lacks placeholder {lot}"),
        (header + "msgid \"Lot {lot}\"\nmsgstr \"Lô {lot\"\n", 6, "'{' without '}'"),
        (header + "msgid \"{n} photo\"\nmsgid_plural \"{n} photos\"\nmsgstr[0] \"ảnh\"\n", 6, "lacks placeholder {n}"),
        (header + "msgid \"{n} photo\"\nmsgid_plural \"{n} photos\"\nmsgstr[0] \"{n}\"\nmsgstr[1] \"{n}\"\n", 6, "2 plural forms"),
        (header + "msgid \"{n} photo\"\nmsgid_plural \"{n} photos\"\nmsgstr \"{n}\"\n", 8, "needs msgstr[0]"),
        (header + "msgid \"{n} photo\"\nmsgid_plural \"{n} photos\"\nmsgstr[1] \"{n}\"\n", 8, "out of order"),
        (header + "msgid \"A\"\nmsgstr[0] \"B\"\n", 7, "without msgid_plural"),
        (header + "msgid \"A\"\n# comment\nmsgstr \"B\"\n", 7, "comment inside an entry"),
        (header + "msgstr \"B\"\n", 6, "msgstr must follow msgid"),
        (header + "\n\"B\"\n", 7, "outside any entry"),
        (header + "msgid \"A\"\nmsgtxt \"B\"\n", 7, "unknown keyword 'msgtxt'"),
        (header + "msgctxt \"c\"\n", 6, "msgctxt without msgid"),
        (header + "msgid \"\"\nmsgstr \"x\"\n", 6, "second header"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n", 1, "no Plural-Forms"),
        ("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=1; plural=0;\\n\"\n", 1, "no Content-Type"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\nPlural-Forms: nplurals=1; plural=0;\\n\"\n", 1, "charset=UTF-8"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=2; plural=n>1?2:0;\\n\"\n", 1,
         "gives form 2 for n = 2"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=2; plural=1/n;\\n\"\n", 1,
         "divides by zero for n = 0"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=2; plural=(n != 1;\\n\"\n", 1,
         "'(' without ')'"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=9; plural=0;\\n\"\n", 1,
         "not between 1 and 6"),
        ("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=2; plural="
            + String(repeating: "(", count: 40) + "n" + String(repeating: ")", count: 40) + ";\\n\"\n", 1, "nested deeper"),
        ("msgid \"\"\nmsgstr \"Language: en\\nContent-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=1; plural=0;\\n\"\n",
         1, "Language is 'en', expected 'vi'"),
        ("", 0, "is empty"),
    ])
    func brokenCatalogueNamesLine(text: String, line: Int, problem: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "test.po")
            #expect(error.line == line, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
            #expect(error.description.hasPrefix(line > 0 ? "test.po:\(line): " : "test.po: "))
        }
    }

    @Test func invalidUTF8NamesItsLine() {
        var bytes = Array((Self.header + "msgid \"A\"\nmsgstr \"").utf8)
        bytes += [0xC3, 0x28] + Array("\"\n".utf8)   // Windows-1258 or Latin-1 saved, not UTF-8
        #expect(throws: CatalogueError(file: "test.po", line: 7, problem: "not valid UTF-8 (save the file as UTF-8)")) {
            try Catalogue.parse(Data(bytes), file: "test.po")
        }
    }

    @Test func oversizedFileIsRefusedBeforeParsing() {
        let data = Data(count: (4 << 20) + 1)
        #expect(throws: CatalogueError.self) { try Catalogue.parse(data, file: "big.po") }
    }

    /// Other languages' formulas from the gettext manual give the forms the manual lists.
    @Test func pluralFormulas() throws {
        func forms(_ header: String, _ counts: [Int]) throws -> [Int] {
            let catalogue = try Catalogue.parse(Data("""
                msgid ""
                msgstr "Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: \(header)\\n"
                """.utf8), file: "x.po")
            return counts.map(catalogue.pluralForm(for:))
        }
        #expect(try forms("nplurals=2; plural=(n != 1);", [0, 1, 2, 21]) == [1, 0, 1, 1])
        #expect(try forms("nplurals=1; plural=0;", [0, 1, 2]) == [0, 0, 0])
        // Russian / Polish: three forms depending on the last digits.
        let russian = "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"
        #expect(try forms(russian, [1, 2, 5, 11, 21, 22, 25, 111, 112]) == [0, 1, 2, 2, 0, 1, 2, 2, 2])
        #expect(try forms("nplurals=2; plural=!(n == 1);", [1, 2]) == [0, 1])
    }

    /// Random damage to a valid catalogue: the reader returns or throws, it never traps or hangs.
    @Test func damagedCataloguesNeverCrash() throws {
        let good = Array((Self.header + """
            msgctxt "c"
            msgid "Lot {lot} of {farm}"
            msgstr "Lô {lot} của {farm}"

            msgid "{n} photo"
            msgid_plural "{n} photos"
            msgstr[0] "{n} ảnh \\"x\\""

            """).utf8)
        var generator = SeededGenerator(seed: 12)
        let alphabet = Array("\"\\{}[]#\n msgidstr_plural0123ợ".utf8)
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
            }
            if (try? Catalogue.parse(Data(bytes), file: "fuzz.po")) != nil { accepted += 1 }
        }
        #expect(accepted < 3000, "some damage must be detected")
    }
}
