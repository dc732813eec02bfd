import Foundation
import Localization
import Testing

/// The catalogue against the sources: every message the program can show has a Vietnamese
/// translation (with the same placeholders: `Catalogue` checks them as it reads), and every
/// translation belongs to a message the program still has. English needs no catalogue: its
/// texts are the message ids.
@Suite struct CatalogueCoverageTests {
    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    struct SourceMessage: Hashable, CustomStringConvertible {
        let context: String?
        let msgid: String
        let plural: String?
        let place: String
        var description: String { "\(place): \(msgid)" }
        static func == (a: Self, b: Self) -> Bool { a.context == b.context && a.msgid == b.msgid && a.plural == b.plural }
        func hash(into hasher: inout Hasher) { hasher.combine(context); hasher.combine(msgid); hasher.combine(plural) }
    }

    /// Finds the literals of every `Message("...")` and `tr("...")` call (with `plural:` and
    /// `context:`) in the sources, the way xgettext would; a call whose text is not a literal is
    /// reported, since no catalogue could hold it.
    static func sourceMessages() throws -> (messages: [SourceMessage], problems: [String]) {
        var messages: [SourceMessage] = [], problems: [String] = []
        let sources = repository.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        // The files that define `Message(` and `tr(` (and show them in comments) are not callers;
        // the module's own messages (SystemError.swift) are the program's like any other.
        let definitions = ["Message.swift", "Localizer+Current.swift"].map { "/Sources/Localization/" + $0 }
        for file in files where !definitions.contains(where: { file.path.hasSuffix($0) }) {
            let found = extract(try String(contentsOf: file, encoding: .utf8),
                                name: file.path.replacingOccurrences(of: sources.path + "/", with: ""))
            messages += found.messages
            problems += found.problems
        }
        return (messages, problems)
    }

    static func extract(_ source: String, name: String) -> (messages: [SourceMessage], problems: [String]) {
        var messages: [SourceMessage] = [], problems: [String] = []
        let text = Array(source.unicodeScalars)
        do {
            var index = 0
            while index < text.count {
                guard let call = ["Message(", "tr("].first(where: { matches(text, index, $0) }),
                      index == 0 || !isIdentifier(text[index - 1]) else { index += 1; continue }
                let line = text[..<index].filter { $0 == "\n" }.count + 1
                var cursor = index + call.unicodeScalars.count
                skipSpaces(text, &cursor)
                guard let msgid = literal(text, &cursor) else {
                    problems.append("\(name):\(line): \(call) without a string literal")
                    index = cursor
                    continue
                }
                var plural: String?, context: String?
                // Labelled literals that follow in the same call, before its arguments.
                while true {
                    skipSpaces(text, &cursor)
                    guard cursor < text.count, text[cursor] == "," else { break }
                    cursor += 1
                    skipSpaces(text, &cursor)
                    if matches(text, cursor, "plural:") {
                        cursor += 7; skipSpaces(text, &cursor); plural = literal(text, &cursor)
                    } else if matches(text, cursor, "context:") {
                        cursor += 8; skipSpaces(text, &cursor); context = literal(text, &cursor)
                    } else if matches(text, cursor, "count:") {
                        while cursor < text.count, text[cursor] != ",", text[cursor] != ")" { cursor += 1 }
                    } else { break }
                }
                messages.append(SourceMessage(context: context, msgid: msgid, plural: plural, place: "\(name):\(line)"))
                index = cursor
            }
        }
        return (messages, problems)
    }

    static func matches(_ text: [Unicode.Scalar], _ index: Int, _ word: String) -> Bool {
        text[index...].starts(with: word.unicodeScalars)
    }

    static func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "."
    }

    static func skipSpaces(_ text: [Unicode.Scalar], _ cursor: inout Int) {
        while cursor < text.count, [" ", "\n", "\t"].contains(text[cursor]) { cursor += 1 }
    }

    /// A one-line Swift string literal with its escapes decoded; nil if there is none at `cursor`.
    static func literal(_ text: [Unicode.Scalar], _ cursor: inout Int) -> String? {
        guard cursor < text.count, text[cursor] == "\"", !matches(text, cursor, "\"\"\"") else { return nil }
        var out = String.UnicodeScalarView()
        var index = cursor + 1
        while index < text.count, text[index] != "\"", text[index] != "\n" {
            if text[index] == "\\", index + 1 < text.count {
                switch text[index + 1] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "u":
                    guard let close = text[index...].firstIndex(of: "}"),
                          let value = UInt32(String(String.UnicodeScalarView(text[(index + 3)..<close])), radix: 16),
                          let scalar = Unicode.Scalar(value) else { return nil }
                    out.append(scalar)
                    index = close + 1
                    continue
                case "(": return nil   // interpolation: not a static text
                default: out.append(text[index + 1])
                }
                index += 2
            } else {
                out.append(text[index])
                index += 1
            }
        }
        guard index < text.count, text[index] == "\"" else { return nil }
        cursor = index + 1
        return String(out)
    }

    static func bundledCatalogue() throws -> Catalogue {
        try Catalogue.load(path: repository.appendingPathComponent("Sources/Localization/Resources/vi.po").path,
                           expectedLanguage: "vi")
    }

    @Test func everyMessageInTheSourcesIsTranslated() throws {
        let (messages, problems) = try Self.sourceMessages()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(messages.count > 0)
        let catalogue = try Self.bundledCatalogue()
        var entries: [String: Catalogue.Entry] = [:]
        for entry in catalogue.allEntries { entries["\(entry.context ?? "")\u{4}\(entry.msgid)"] = entry }
        var missing: [String] = []
        for message in Set(messages).sorted(by: { $0.place < $1.place }) {
            let entry = entries["\(message.context ?? "")\u{4}\(message.msgid)"]
            if entry == nil || !entry!.isTranslated || (entry!.plural == nil) != (message.plural == nil) {
                missing.append("\(message.place): \(message.context.map { "[\($0)] " } ?? "")\(message.plural == nil ? "" : "[plural] ")\(message.msgid)")
            }
        }
        #expect(missing.isEmpty, "\(missing.count) messages without a Vietnamese translation in vi.po:\n\(missing.joined(separator: "\n"))")
    }

    @Test func everyTranslationBelongsToAMessageInTheSources() throws {
        let used = Set(try Self.sourceMessages().messages.map { "\($0.context ?? "")\u{4}\($0.msgid)" })
        let stale = try Self.bundledCatalogue().allEntries.filter { !used.contains("\($0.context ?? "")\u{4}\($0.msgid)") }
            .sorted { $0.line < $1.line }.map { "vi.po:\($0.line): \($0.msgid)" }
        #expect(stale.isEmpty, "translations of messages the program no longer has:\n\(stale.joined(separator: "\n"))")
    }

    @Test func everyTranslationIsFinished() throws {
        let unfinished = try Self.bundledCatalogue().allEntries.filter { !$0.isTranslated }.map { "vi.po:\($0.line): \($0.msgid)" }
        #expect(unfinished.isEmpty, "fuzzy or empty translations:\n\(unfinished.joined(separator: "\n"))")
    }

    /// The extractor itself: it must see what a translator would need, or the tests above prove nothing.
    @Test func extractorFindsLiteralsPluralsAndContexts() throws {
        let (messages, problems) = Self.extract("""
            x = tr("A \\"q\\" {lot}\\u{E0}", ["lot": .text(a)]); Message("{n} photo", plural: "{n} photos", count: c.count, context: "k")
            y = attr("no"); z.tr("no")
              Message(variable)
            tr("interpolated \\(x)")
            """, name: "F.swift")
        #expect(messages.map(\.msgid) == ["A \"q\" {lot}\u{E0}", "{n} photo"])
        #expect(messages.map(\.plural) == [nil, "{n} photos"])
        #expect(messages.map(\.context) == [nil, "k"])
        #expect(messages.map(\.place) == ["F.swift:1", "F.swift:1"])
        #expect(problems == ["F.swift:3: Message( without a string literal", "F.swift:4: tr( without a string literal"])
    }
}
