import Foundation

/// A strict reader of the gettext PO format (the subset translators' tools write): comments,
/// `msgctxt`, `msgid`, `msgid_plural`, `msgstr`, `msgstr[N]`, and continuation strings.
/// The catalogue is input like any file, so every problem is an error with its line, never a
/// crash, and sizes are bounded before anything large is built.
struct POParser {
    static let maxBytes = 4 << 20
    static let maxEntries = 20_000
    static let maxPluralForms = 6
    /// Counts the plural formula is checked on when the file is read.
    static let checkedCounts = 0...1000

    let file: String

    private enum Field { case context, msgid, plural, msgstr(Int) }

    private struct Pending {
        var line = 0
        var context: String?
        var msgid: String?
        var plural: String?
        var translations: [String] = []
        var isFuzzy = false
        var last: Field?
        var hasTranslation: Bool { !translations.isEmpty }
    }

    private func error(_ line: Int, _ problem: String) -> CatalogueError {
        CatalogueError(file: file, line: line, problem: problem)
    }

    func parse(_ data: Data, expectedLanguage: String?) throws(CatalogueError) -> Catalogue {
        guard data.count <= Self.maxBytes else { throw error(0, "larger than \(Self.maxBytes) bytes") }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard !bytes.isEmpty else { throw error(0, "is empty: a catalogue starts with a header entry (msgid \"\")") }

        var header: [String: String]?
        var pluralForms = 0
        var rule: PluralRule?
        var entries: [Catalogue.Key: Catalogue.Entry] = [:]
        var pending = Pending()
        var nextIsFuzzy = false

        func finish() throws(CatalogueError) {
            guard let msgid = pending.msgid else {
                if pending.context != nil { throw error(pending.line, "msgctxt without msgid") }
                return
            }
            guard pending.hasTranslation else { throw error(pending.line, "msgid without msgstr") }
            if header == nil {
                guard msgid.isEmpty, pending.context == nil, pending.plural == nil else {
                    throw error(pending.line, "the first entry must be the header (msgid \"\")")
                }
                let fields = try parseHeader(pending.translations[0], line: pending.line)
                try checkHeader(fields, line: pending.line, expectedLanguage: expectedLanguage)
                (pluralForms, rule) = try parsePluralForms(fields["Plural-Forms"], line: pending.line)
                header = fields
            } else {
                guard !msgid.isEmpty else { throw error(pending.line, "a second header (empty msgid)") }
                try checkEntry(pending, msgid: msgid, pluralForms: pluralForms)
                let key = Catalogue.Key(context: pending.context, msgid: msgid)
                if let first = entries[key] { throw error(pending.line, "duplicate of the entry at line \(first.line)") }
                guard entries.count < Self.maxEntries else { throw error(pending.line, "more than \(Self.maxEntries) entries") }
                entries[key] = Catalogue.Entry(context: pending.context, msgid: msgid, plural: pending.plural,
                                               translations: pending.translations, isFuzzy: pending.isFuzzy, line: pending.line)
            }
            pending = Pending()
        }

        var lineNumber = 0
        for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var lineBytes = rawLine
            if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
            guard let line = String(validating: lineBytes, as: UTF8.self) else {
                throw error(lineNumber, "not valid UTF-8 (save the file as UTF-8)")
            }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty {
                if pending.hasTranslation { try finish() }
                continue
            }
            if trimmed.hasPrefix("#") {
                if pending.msgid != nil || pending.context != nil {
                    guard pending.hasTranslation else { throw error(lineNumber, "comment inside an entry") }
                    try finish()
                }
                if trimmed.hasPrefix("#,") {
                    let flags = trimmed.dropFirst(2).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    if flags.contains("fuzzy") { nextIsFuzzy = true }
                }
                continue   // translator, extracted, reference, previous (#|) and obsolete (#~) comments
            }
            if trimmed.hasPrefix("\"") {
                let value = try parseString(trimmed, line: lineNumber)
                switch pending.last {
                case .context?: pending.context! += value
                case .msgid?: pending.msgid! += value
                case .plural?: pending.plural! += value
                case .msgstr(let index)?: pending.translations[index] += value
                case nil: throw error(lineNumber, "a string outside any entry")
                }
                continue
            }
            let keyword = String(trimmed.prefix(while: { $0 != " " && $0 != "\t" && $0 != "\"" }))
            let value = try parseString(trimmed.dropFirst(keyword.count).drop(while: { $0 == " " || $0 == "\t" }),
                                        line: lineNumber)
            switch keyword {
            case "msgctxt":
                if pending.hasTranslation { try finish() }
                guard pending.msgid == nil, pending.context == nil else { throw error(lineNumber, "msgctxt inside an entry") }
                pending.line = lineNumber
                pending.context = value
                pending.last = .context
            case "msgid":
                if pending.hasTranslation { try finish() }
                guard pending.msgid == nil else { throw error(lineNumber, "msgid without msgstr before it") }
                if pending.context == nil { pending.line = lineNumber }
                pending.msgid = value
                pending.isFuzzy = nextIsFuzzy
                nextIsFuzzy = false
                pending.last = .msgid
            case "msgid_plural":
                guard pending.msgid != nil, pending.plural == nil, !pending.hasTranslation else {
                    throw error(lineNumber, "msgid_plural must follow msgid")
                }
                pending.plural = value
                pending.last = .plural
            case "msgstr":
                guard pending.msgid != nil, !pending.hasTranslation else { throw error(lineNumber, "msgstr must follow msgid") }
                guard pending.plural == nil else { throw error(lineNumber, "a plural entry needs msgstr[0], msgstr[1], ...") }
                pending.translations = [value]
                pending.last = .msgstr(0)
            default:
                guard keyword.hasPrefix("msgstr["), keyword.hasSuffix("]"),
                      let index = Int(keyword.dropFirst("msgstr[".count).dropLast()) else {
                    throw error(lineNumber, "unknown keyword '\(Quoting.printable(keyword))'")
                }
                guard pending.plural != nil else { throw error(lineNumber, "msgstr[\(index)] without msgid_plural") }
                guard index == pending.translations.count else {
                    throw error(lineNumber, "msgstr[\(index)] out of order (expected msgstr[\(pending.translations.count)])")
                }
                pending.translations.append(value)
                pending.last = .msgstr(index)
            }
        }
        if pending.msgid != nil || pending.context != nil { try finish() }
        guard let header, let rule else { throw error(0, "has no header entry (msgid \"\")") }
        return Catalogue(file: file, language: header["Language"], pluralForms: pluralForms, pluralRule: rule, entries: entries)
    }

    /// One `"..."` string and nothing after it; escapes `\\ \" \n \t` only.
    private func parseString(_ text: Substring, line: Int) throws(CatalogueError) -> String {
        var scalars = Array(text.unicodeScalars)
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        guard scalars.count >= 2, scalars.first == "\"", scalars.last == "\"" else {
            throw error(line, "expected a string in double quotes")
        }
        var out = String.UnicodeScalarView()
        var index = 1
        while index < scalars.count - 1 {
            let scalar = scalars[index]
            if scalar == "\"" { throw error(line, "unescaped '\"' inside a string (write \\\")") }
            if scalar.value < 0x20 || scalar.value == 0x7F { throw error(line, "a control character inside a string") }
            guard scalar == "\\" else { out.append(scalar); index += 1; continue }
            guard index + 1 < scalars.count - 1 else { throw error(line, "a string ends with a lone backslash") }
            switch scalars[index + 1] {
            case "\\": out.append("\\")
            case "\"": out.append("\"")
            case "n": out.append("\n")
            case "t": out.append("\t")
            default: throw error(line, "unknown escape '\\\(scalars[index + 1])' (use \\\\, \\\", \\n or \\t)")
            }
            index += 2
        }
        return String(out)
    }

    private func parseHeader(_ text: String, line: Int) throws(CatalogueError) -> [String: String] {
        var fields: [String: String] = [:]
        for fieldLine in text.split(separator: "\n") {
            guard let colon = fieldLine.firstIndex(of: ":") else {
                throw error(line, "header line '\(Quoting.printable(String(fieldLine)))' is not 'Name: value'")
            }
            fields[String(fieldLine[..<colon])] = fieldLine[fieldLine.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    private func checkHeader(_ fields: [String: String], line: Int, expectedLanguage: String?) throws(CatalogueError) {
        guard let type = fields["Content-Type"] else { throw error(line, "header has no Content-Type") }
        guard type.lowercased().replacingOccurrences(of: " ", with: "").contains("charset=utf-8") else {
            throw error(line, "Content-Type must say charset=UTF-8, not '\(Quoting.printable(type))'")
        }
        if let expectedLanguage, let language = fields["Language"], !language.isEmpty,
           language != expectedLanguage, !language.hasPrefix(expectedLanguage + "_") {
            throw error(line, "header Language is '\(Quoting.printable(language))', expected '\(expectedLanguage)'")
        }
    }

    private func parsePluralForms(_ value: String?, line: Int) throws(CatalogueError) -> (Int, PluralRule) {
        guard let value else { throw error(line, "header has no Plural-Forms") }
        // "nplurals=N; plural=EXPR;"
        let parts = value.split(separator: ";", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, parts[0].hasPrefix("nplurals="), parts[1].hasPrefix("plural="),
              let count = Int(parts[0].dropFirst("nplurals=".count)) else {
            throw error(line, "Plural-Forms must be 'nplurals=N; plural=EXPRESSION;', not '\(Quoting.printable(value))'")
        }
        guard (1...Self.maxPluralForms).contains(count) else {
            throw error(line, "nplurals=\(count) is not between 1 and \(Self.maxPluralForms)")
        }
        let rule: PluralRule
        do { rule = try PluralRule(String(parts[1].dropFirst("plural=".count))) } catch {
            throw self.error(line, "Plural-Forms: \(error.problem)")
        }
        for n in Self.checkedCounts {
            guard let form = PluralRule.evaluate(rule.root, n) else {
                throw error(line, "Plural-Forms formula divides by zero for n = \(n)")
            }
            guard (0..<count).contains(form) else {
                throw error(line, "Plural-Forms formula gives form \(form) for n = \(n), but nplurals=\(count)")
            }
        }
        return (count, rule)
    }

    private func checkEntry(_ entry: Pending, msgid: String, pluralForms: Int) throws(CatalogueError) {
        func names(_ text: String, _ what: String) throws(CatalogueError) -> Set<String> {
            do { return try Placeholders.names(text) } catch { throw self.error(entry.line, "\(what): \(error)") }
        }
        var english = try names(msgid, "msgid")
        if let plural = entry.plural {
            english.formUnion(try names(plural, "msgid_plural"))
            guard entry.translations.count == pluralForms else {
                throw error(entry.line, "\(entry.translations.count) plural forms, but the header says nplurals=\(pluralForms)")
            }
        }
        // A fuzzy or empty translation is never used, so it cannot show a wrong placeholder.
        guard !entry.isFuzzy else { return }
        // A language's singular form may leave the count out ("one photo"); nothing else may be left out or added.
        let required = entry.plural == nil || pluralForms == 1 ? english : english.subtracting(["n"])
        for (index, translation) in entry.translations.enumerated() where !translation.isEmpty {
            let what = entry.plural == nil ? "msgstr" : "msgstr[\(index)]"
            let found = try names(translation, what)
            if let extra = found.subtracting(english).sorted().first {
                throw error(entry.line, "\(what) has placeholder {\(extra)} that the English text does not have")
            }
            if let missing = required.subtracting(found).sorted().first {
                throw error(entry.line, "\(what) lacks placeholder {\(missing)} of the English text")
            }
        }
    }
}
