/// A user-facing text, not yet in any language: its English source text (the catalogue's msgid),
/// optional plural form and count, optional context, and named arguments.
///
/// Libraries build these (errors carry one, see `LocalizableError`); the program renders them
/// with a `Localizer` in the user's language. The source texts are `StaticString`s, so every
/// message id is a literal that the catalogue tests can find in the sources.
///
/// Placeholders are `{name}` (lowercase letters, digits, `_`); `{{` and `}}` are literal braces.
/// In a plural message `{n}` is the count.
public struct Message: Sendable, Hashable, CustomStringConvertible {
    public let msgid: String
    public let plural: String?
    public let count: Int?
    public let context: String?
    public let arguments: [String: MessageArgument]
    /// Shown as it is, not looked up: text from outside the program (a C library's message).
    public let isVerbatim: Bool

    public init(_ msgid: StaticString, context: StaticString? = nil, _ arguments: [String: MessageArgument] = [:]) {
        self.msgid = msgid.description
        self.plural = nil
        self.count = nil
        self.context = context?.description
        self.arguments = arguments
        self.isVerbatim = false
    }

    /// A message with a singular and a plural English form; `{n}` is `count`.
    public init(_ msgid: StaticString, plural: StaticString, count: Int, context: StaticString? = nil,
                _ arguments: [String: MessageArgument] = [:]) {
        self.msgid = msgid.description
        self.plural = plural.description
        self.count = count
        self.context = context?.description
        var arguments = arguments
        arguments["n"] = .integer(count)
        self.arguments = arguments
        self.isVerbatim = false
    }

    private init(verbatim text: String) {
        msgid = text
        plural = nil
        count = nil
        context = nil
        arguments = [:]
        isVerbatim = true
    }

    private init(msgid: String, plural: String?, count: Int?, context: String?, arguments: [String: MessageArgument], isVerbatim: Bool) {
        self.msgid = msgid
        self.plural = plural
        self.count = count
        self.context = context
        self.arguments = arguments
        self.isVerbatim = isVerbatim
    }

    /// This message with more arguments; a name it already has keeps its value.
    public func with(_ more: [String: MessageArgument]) -> Message {
        Message(msgid: msgid, plural: plural, count: count, context: context,
                arguments: arguments.merging(more) { old, _ in old }, isVerbatim: isVerbatim)
    }

    /// Text that is shown unchanged in every language (data, or another program's message).
    public static func verbatim(_ text: String) -> Message { Message(verbatim: text) }

    /// The English text, for logs, `description` of errors and tests.
    public var description: String { Localizer.english.render(self) }
}

/// A value put into a message; each kind is formatted for the language.
public indirect enum MessageArgument: Sendable, Hashable {
    /// Shown as it is: codes, names, file names.
    case text(String)
    /// A whole number with the language's digit grouping (1.234 / 1,234).
    case integer(Int)
    /// A decimal number with `digits` fraction digits (1.234,5 / 1,234.5).
    case decimal(Double, digits: Int)
    /// A fraction shown as a percentage with `digits` fraction digits (90,5 % / 90.5%).
    case percent(Double, digits: Int)
    /// A calendar day given as ISO `YYYY-MM-DD` (dd/MM/yyyy in Vietnamese, ISO in English);
    /// anything else is shown as given.
    case day(String)
    /// An ISO 8601 UTC time (`2026-11-05T08:00:00Z`), shown with the day in the language's order.
    case timestamp(String)
    /// Another message, rendered in the same language.
    case message(Message)
    /// Words rendered earlier in each language and kept (a stored reason), shown in the reader's.
    case inLanguages(english: String, vietnamese: String)
}
