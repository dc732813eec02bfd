/// The one place the language is chosen: `--lang vi|en` (anywhere before `--`), else the first
/// non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX precedence; `vi*` is Vietnamese), else English.
///
/// It runs before the command line is parsed, so help texts and parse errors come out in the
/// chosen language too; `--lang` is taken out of the arguments it returns.
public enum LanguageChoice {
    /// The chosen language and the arguments without `--lang` and its value.
    public static func resolve(arguments: [String], environment: [String: String])
        throws(LanguageChoiceError) -> (language: Language, arguments: [String]) {
        var remaining: [String] = []
        var chosen: Language?
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" {
                remaining += arguments[index...]
                break
            }
            let value: String
            if argument == "--lang" {
                guard index + 1 < arguments.endIndex else { throw .missingValue }
                value = arguments[index + 1]
                index += 2
            } else if argument.hasPrefix("--lang=") {
                value = String(argument.dropFirst("--lang=".count))
                index += 1
            } else {
                remaining.append(argument)
                index += 1
                continue
            }
            guard let language = Language(rawValue: value) else { throw .unknownLanguage(value) }
            chosen = language
        }
        if let chosen { return (chosen, remaining) }
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[name], !value.isEmpty { return (Language(localeValue: value), remaining) }
        }
        return (.english, remaining)
    }
}

/// A bad `--lang`. Its text is in both languages: no language has been chosen yet.
public enum LanguageChoiceError: Error, Equatable, CustomStringConvertible, Sendable {
    case missingValue
    case unknownLanguage(String)

    public var description: String {
        switch self {
        case .missingValue:
            return "--lang needs a value: vi or en\n--lang cần một giá trị: vi hoặc en"
        case .unknownLanguage(let value):
            let quoted = Quoting.printable(value)
            return "--lang must be vi (Vietnamese) or en (English), not '\(quoted)'\n"
                + "--lang phải là vi (tiếng Việt) hoặc en (tiếng Anh), không phải '\(quoted)'"
        }
    }
}
