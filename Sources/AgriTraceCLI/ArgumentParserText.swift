import Foundation
import Localization

/// ArgumentParser's own words in the help and error texts it builds ("USAGE:", "OPTIONS:",
/// "Show help information.", "Error: Missing expected argument '<upload>'"), in the user's
/// language. ArgumentParser has no hook for its words, so its finished text is rewritten line by
/// line: every pattern below is a sentence ArgumentParser 1.x writes, and each is a catalogue
/// message like any other (context "argument parser"). A line that matches none is left as it is;
/// `LocalizedJourneyTests` fails on any that reaches a Vietnamese user.
enum ArgumentParserText {
    static func localize(_ text: String, _ localizer: Localizer = .current) -> String {
        guard localizer.language != .english else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { localize(line: String($0), localizer) }.joined(separator: "\n")
    }

    private static func localize(line: String, _ l: Localizer) -> String {
        let indent = String(line.prefix { $0 == " " })
        var text = String(line.dropFirst(indent.count))
        // Section titles.
        switch text {
        case "ARGUMENTS:": return indent + l(Message("ARGUMENTS:", context: "argument parser"))
        case "OPTIONS:": return indent + l(Message("OPTIONS:", context: "argument parser"))
        case "SUBCOMMANDS:": return indent + l(Message("SUBCOMMANDS:", context: "argument parser"))
        default: break
        }
        if text.hasSuffix(" SUBCOMMANDS:") {
            // A command group's title, upper-cased by ArgumentParser ("MODEL DEVELOPMENT SUBCOMMANDS:").
            let group = String(text.dropLast(" SUBCOMMANDS:".count))
            return indent + l(Message("{group} SUBCOMMANDS:", context: "argument parser", ["group": .text(group)]))
        }
        if let rest = text.dropPrefix("OVERVIEW: ") {
            return indent + l(Message("OVERVIEW: {text}", context: "argument parser", ["text": .text(rest)]))
        }
        if let rest = text.dropPrefix("USAGE: ") {
            return indent + l(Message("USAGE: {usage}", context: "argument parser", ["usage": .text(rest)]))
        }
        if let rest = text.dropPrefix("Usage: ") {
            return indent + l(Message("Usage: {usage}", context: "argument parser", ["usage": .text(rest)]))
        }
        if let rest = text.dropPrefix("Help: ") {
            return indent + l(Message("Help: {text}", context: "argument parser", ["text": .text(rest)]))
        }
        if let rest = text.dropPrefix("Error: ") {
            return indent + l(Message("Error: {message}", context: "argument parser", ["message": .text(error(rest, l))]))
        }
        if let match = text.wholeMatch(of: try! Regex("See '(.+) <subcommand>' for detailed help\\.")) {
            return indent + l(Message("See '{command} <subcommand>' for detailed help.", context: "argument parser",
                                      ["command": .text(String(match.output[1].substring!))]))
        }
        if let match = text.wholeMatch(of: try! Regex("See '(.+)' for more information\\.")) {
            return indent + l(Message("See '{command}' for more information.", context: "argument parser",
                                      ["command": .text(String(match.output[1].substring!))]))
        }
        // The help of the built-in flags, at the end of their line.
        for (english, message) in [("Show help information.", Message("Show help information.", context: "argument parser")),
                                   ("Show the version.", Message("Show the version.", context: "argument parser"))]
        where text.hasSuffix(english) {
            text = String(text.dropLast(english.count)) + l(message)
        }
        // Defaults and allowed values after an option's help (the value may wrap to the next line).
        text = text.replacingOccurrences(of: "(values:", with: l(Message("(values:", context: "argument parser")))
            .replacingOccurrences(of: "; default as flag:", with: l(Message("; default as flag:", context: "argument parser")))
            .replacingOccurrences(of: "; default:", with: l(Message("; default:", context: "argument parser")))
            .replacingOccurrences(of: "(default:", with: l(Message("(default:", context: "argument parser")))
        return indent + text
    }

    /// The parse errors ArgumentParser words itself; anything else (our own ValidationErrors,
    /// already translated) is returned as it is.
    private static func error(_ text: String, _ l: Localizer) -> String {
        func quoted(_ pattern: String) -> [String]? {
            guard let match = text.wholeMatch(of: try! Regex(pattern)) else { return nil }
            return (1..<match.output.count).map { String(match.output[$0].substring ?? "") }
        }
        if let v = quoted("Missing expected argument '(.+)'") {
            return l(Message("Missing expected argument '{name}'", context: "argument parser", ["name": .text(v[0])]))
        }
        if let v = quoted("Unknown option '(.+)'\\. Did you mean '(.+)'\\?") {
            return l(Message("Unknown option '{name}'. Did you mean '{suggestion}'?", context: "argument parser",
                             ["name": .text(v[0]), "suggestion": .text(v[1])]))
        }
        if let v = quoted("Unknown option '(.+)'") {
            return l(Message("Unknown option '{name}'", context: "argument parser", ["name": .text(v[0])]))
        }
        if let v = quoted("Missing value for '(.+)'") {
            return l(Message("Missing value for '{name}'", context: "argument parser", ["name": .text(v[0])]))
        }
        if let v = quoted("Unexpected argument '(.+)'") {
            return l(Message("Unexpected argument '{value}'", context: "argument parser", ["value": .text(v[0])]))
        }
        if let v = quoted("The value '(.*)' is invalid for '([^']+)'\\. Please provide one of (.+)\\.") {
            return l(Message("The value '{value}' is invalid for '{name}'. Please provide one of {values}.", context: "argument parser",
                             ["value": .text(v[0]), "name": .text(v[1]), "values": .text(v[2])]))
        }
        if let v = quoted("The value '(.*)' is invalid for '([^']+)'") {
            return l(Message("The value '{value}' is invalid for '{name}'", context: "argument parser", ["value": .text(v[0]), "name": .text(v[1])]))
        }
        if let v = quoted("The value '(.*)' is invalid for '([^']+)': (.+)") {
            return l(Message("The value '{value}' is invalid for '{name}': {reason}", context: "argument parser",
                             ["value": .text(v[0]), "name": .text(v[1]), "reason": .text(v[2])]))
        }
        return text
    }
}

private extension String {
    func dropPrefix(_ prefix: String) -> String? { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil }
}
