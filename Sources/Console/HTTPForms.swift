import Foundation
import Localization
import Traceability

/// The small pieces of HTTP the console reads by hand: form bodies, query strings and cookies.
enum HTTPForms {
    /// `application/x-www-form-urlencoded` (also a query string): name → values, in order.
    /// A pair with a malformed escape, or not UTF-8 once decoded, is `FormMalformed`: a field silently
    /// dropped would record the rest of the form as if it had not been sent.
    static func parse(_ text: String) throws(FormMalformed) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(String(parts[0])), let value = decode(parts.count > 1 ? String(parts[1]) : "") else {
                throw FormMalformed(name: String(parts[0]))
            }
            fields[name, default: []].append(value)
        }
        return fields
    }

    private static func decode(_ text: String) -> String? {
        LotIdentifier.percentDecoded(text.replacingOccurrences(of: "+", with: " "))
    }

    /// `Cookie: a=1; b=2` → name → value (the first of a name wins).
    static func cookies(_ header: String?) -> [String: String] {
        var cookies: [String: String] = [:]
        for part in (header ?? "").split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            if cookies[name] == nil { cookies[name] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        return cookies
    }
}

/// A form or query field that is not validly percent-encoded UTF-8: answered 400 in the user's language,
/// nothing recorded.
struct FormMalformed: LocalizableError {
    /// The field's name as sent (still encoded), shortened: it names the field without echoing a long value.
    let name: String

    var message: Message {
        let shown = name.unicodeScalars.count <= 40 ? name : String(String.UnicodeScalarView(name.unicodeScalars.prefix(40))) + "…"
        return Message("The form field {name} is not validly encoded (a % must be followed by two hexadecimal digits, and the text must be UTF-8); nothing was recorded. Reload the page and send it again.",
                       context: "console", ["name": .text(shown)])
    }
}

extension Dictionary where Key == String, Value == [String] {
    func first(_ name: String) -> String? { self[name]?.first }
}
