import Foundation

/// Renders `Message`s in one language: looks the template up in the catalogue (English source
/// text when there is none), puts the arguments in, and formats numbers and dates the
/// language's way.
public struct Localizer: Sendable {
    public let language: Language
    let catalogue: Catalogue?

    public init(language: Language, catalogue: Catalogue?) {
        self.language = language
        self.catalogue = catalogue
    }

    /// English: the message ids themselves.
    public static let english = Localizer(language: .english, catalogue: nil)

    /// The catalogue shipped with the program for `language` (`Resources/<code>.po`); English has none.
    public static func bundled(_ language: Language) throws(CatalogueError) -> Localizer {
        guard language != .english else { return .english }
        guard let url = Bundle.module.url(forResource: language.rawValue, withExtension: "po", subdirectory: "Resources") else {
            throw CatalogueError(file: "\(language.rawValue).po", line: 0, problem: "missing from the program's resources")
        }
        return Localizer(language: language, catalogue: try Catalogue.load(path: url.path, expectedLanguage: language.rawValue))
    }

    public func callAsFunction(_ message: Message) -> String { render(message) }

    /// Text from outside (`.text` arguments, verbatim messages) comes out with its control and
    /// bidirectional formatting characters escaped (`TerminalText`): messages are stored, served
    /// and printed, and a quoted value must not reorder or recolour what a person reads.
    public func render(_ message: Message) -> String {
        if message.isVerbatim { return TerminalText.escapingControls(message.msgid) }
        let template = catalogue?.template(for: message)
            ?? (message.count == 1 || message.plural == nil ? message.msgid : message.plural!)
        guard let pieces = try? Placeholders.pieces(template) else { return template }
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .placeholder(let name):
                // A missing argument is a programming error the catalogue tests catch; show the name.
                out += message.arguments[name].map(format) ?? "{\(name)}"
            }
        }
        return out
    }

    public func format(_ argument: MessageArgument) -> String {
        switch argument {
        case .text(let text): return TerminalText.escapingControls(text)
        case .integer(let value): return number(value)
        case .decimal(let value, let digits): return decimal(value, digits: digits)
        case .percent(let value, let digits): return decimal(value * 100, digits: digits) + "%"
        case .day(let iso): return day(iso)
        case .timestamp(let iso): return timestamp(iso)
        case .message(let message): return render(message)
        case .inLanguages(let english, let vietnamese): return TerminalText.escapingControls(language == .vietnamese ? vietnamese : english)
        }
    }

    private var groupSeparator: String { language == .vietnamese ? "." : "," }
    private var decimalSeparator: String { language == .vietnamese ? "," : "." }

    /// 1234567 → "1.234.567" (vi) / "1,234,567" (en).
    public func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += groupSeparator }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// 1234.5 with 1 digit → "1.234,5" (vi) / "1,234.5" (en); rounded half away from zero.
    public func decimal(_ value: Double, digits: Int) -> String {
        let digits = min(max(digits, 0), 6)
        guard value.isFinite, value.magnitude < 1e15 else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value.magnitude * scale).rounded(.toNearestOrAwayFromZero))
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + number(whole)
        if digits > 0 {
            let fractionText = String(fraction)
            text += decimalSeparator + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return text
    }

    /// "2026-11-03" → "03/11/2026" (vi) / "2026-11-03" (en). Not an ISO day: shown as given.
    public func day(_ iso: String) -> String {
        guard let (year, month, day) = Self.isoDay(iso) else { return iso }
        return language == .vietnamese ? "\(day)/\(month)/\(year)" : iso
    }

    /// "2026-11-05T08:00:00.123Z" → "05/11/2026 08:00:00 UTC" (vi) / "2026-11-05 08:00:00 UTC" (en):
    /// the day as `day` writes it, the time to the second, and the zone in words, not the ledger's
    /// "T…Z" (entries and JSON keep that). Anything else: shown as given.
    public func timestamp(_ iso: String) -> String {
        let scalars = Array(iso.unicodeScalars)
        guard scalars.count >= 20, scalars[10] == "T", scalars.last == "Z",
              Self.isoDay(String(String.UnicodeScalarView(scalars[0..<10]))) != nil else { return iso }
        let time = String(String.UnicodeScalarView(scalars[11..<19]))
        let pattern = Array(time.unicodeScalars)
        guard pattern.enumerated().allSatisfy({ $0.offset == 2 || $0.offset == 5 ? $0.element == ":" : ("0"..."9").contains($0.element) }),
              scalars.count == 20 || scalars[19] == "." else { return iso }
        return day(String(iso.prefix(10))) + " " + time + " UTC"
    }

    private static func isoDay(_ text: String) -> (String, String, String)? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 10, scalars[4] == "-", scalars[7] == "-",
              scalars.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || ("0"..."9").contains($0.element) }) else { return nil }
        return (String(text.prefix(4)), String(text.dropFirst(5).prefix(2)), String(text.suffix(2)))
    }
}
