import Foundation
import Traceability

/// The small pieces of HTTP the console reads by hand: form bodies, query strings and cookies.
enum HTTPForms {
    /// `application/x-www-form-urlencoded` (also a query string): name → values, in order.
    /// Malformed escapes make the pair unreadable; it is dropped rather than guessed.
    static func parse(_ text: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(String(parts[0])), let value = decode(parts.count > 1 ? String(parts[1]) : "") else { continue }
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

extension Dictionary where Key == String, Value == [String] {
    func first(_ name: String) -> String? { self[name]?.first }
}
