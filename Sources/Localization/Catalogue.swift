import Foundation

/// One language's translations, read from a gettext `.po` file.
///
/// Lookup follows gettext: an entry marked `fuzzy` or with an empty translation is not used (the
/// English source text is shown instead). Every used translation was checked when the file was
/// read: same placeholders as the English text, and one form per plural form of the language.
public struct Catalogue: Sendable {
    public struct Entry: Sendable {
        public let context: String?
        public let msgid: String
        public let plural: String?
        /// One string for a singular message; `pluralForms` strings for a plural one.
        public let translations: [String]
        public let isFuzzy: Bool
        /// The line of the entry's `msgid`, for messages about it.
        public let line: Int

        /// Whether lookups use it (gettext ignores fuzzy and empty translations).
        public var isTranslated: Bool { !isFuzzy && !translations.contains(where: \.isEmpty) }
    }

    struct Key: Hashable, Sendable {
        let context: String?
        let msgid: String
    }

    /// The file's name as shown in messages.
    public let file: String
    /// The header's `Language`, when given.
    public let language: String?
    public let pluralForms: Int
    let pluralRule: PluralRule
    let entries: [Key: Entry]

    /// Every entry except the header, in no particular order.
    public var allEntries: [Entry] { Array(entries.values) }

    /// The translation of `message`'s template (before arguments are put in), or nil when the
    /// catalogue has none for it.
    func template(for message: Message) -> String? {
        guard let entry = entries[Key(context: message.context, msgid: message.msgid)], entry.isTranslated,
              (entry.plural == nil) == (message.plural == nil) else { return nil }
        guard let count = message.count else { return entry.translations[0] }
        let form = pluralRule.evaluate(count)
        return entry.translations[(0..<entry.translations.count).contains(form) ? form : 0]
    }

    /// Which plural form (0-based) this language uses for `count`.
    public func pluralForm(for count: Int) -> Int { pluralRule.evaluate(count) }

    /// Reads a catalogue, strictly: any syntax error, unknown escape, duplicate entry, invalid
    /// UTF-8, missing header field, plural-form mismatch or placeholder mismatch is a
    /// `CatalogueError` naming the file and line. `expectedLanguage`: the header's `Language`,
    /// when present, must be this one.
    public static func parse(_ data: Data, file: String, expectedLanguage: String? = nil) throws(CatalogueError) -> Catalogue {
        try POParser(file: file).parse(data, expectedLanguage: expectedLanguage)
    }

    /// Reads the catalogue file at `path`; a file that cannot be read is a `CatalogueError` too.
    public static func load(path: String, expectedLanguage: String? = nil) throws(CatalogueError) -> Catalogue {
        let name = (path as NSString).lastPathComponent
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > POParser.maxBytes {
            throw CatalogueError(file: name, line: 0, problem: "larger than \(POParser.maxBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogueError(file: name, line: 0, problem: "cannot be read")
        }
        return try parse(data, file: name, expectedLanguage: expectedLanguage)
    }

    init(file: String, language: String?, pluralForms: Int, pluralRule: PluralRule, entries: [Key: Entry]) {
        self.file = file
        self.language = language
        self.pluralForms = pluralForms
        self.pluralRule = pluralRule
        self.entries = entries
    }
}

/// A catalogue file that cannot be used, with the place and the problem. English only: the
/// catalogue that would translate it is the one that failed.
public struct CatalogueError: Error, Equatable, CustomStringConvertible, Sendable {
    public let file: String
    /// 1-based; 0 when the problem is the whole file.
    public let line: Int
    public let problem: String

    public init(file: String, line: Int, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { line > 0 ? "\(file):\(line): \(problem)" : "\(file): \(problem)" }
}
