/// The one place text becomes HTML or SVG markup. Every writer of HTML or SVG goes through
/// `escapeHTML`, so one rule decides what ledger text can do in a page.
///
/// Escaping works on Unicode scalars, never on `Character`s: a `Character` is a grapheme
/// cluster, so `<` after a prepended mark (U+0600) or `>` before a combining accent (U+0301)
/// is part of a larger `Character` that compares unequal to "<" or ">", yet an HTML parser
/// still sees the bare byte and opens a tag.
public enum Markup {
    /// Text safe as element content and as a double- or single-quoted attribute value:
    /// `& < > " '` become entities, and control characters other than tab, line feed and
    /// carriage return (which HTML parsers reject or drop) become U+FFFD.
    public static func escapeHTML(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            case "\t", "\n", "\r": out.append(scalar)
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}": out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The Content-Security-Policy of a self-contained page: nothing is loaded from anywhere
    /// (`default-src 'none'`), no script runs, no form posts, no `<base>` redirects relative
    /// links, images only as `data:` URLs, and only the inline style sheets whose SHA-256
    /// (base64) are listed apply, so an injected `<style>` or `style=` attribute is ignored too.
    public static func contentSecurityPolicy(styleSHA256: [String]) -> String {
        let styles = styleSHA256.map { "'sha256-\($0)'" }
        return (["default-src 'none'", "script-src 'none'", "img-src data:",
                 "style-src " + (styles.isEmpty ? "'none'" : styles.joined(separator: " ")),
                 "base-uri 'none'", "form-action 'none'"]).joined(separator: "; ")
    }

    /// The policy of a page that runs the scripts `scriptSources` (`'self'` for files from the
    /// page's own server, `'sha256-…'` for an inline script by hash) and fetches only from
    /// `connectSources`; everything else as in `contentSecurityPolicy(styleSHA256:)`. Sent as an HTTP
    /// header (`asHeader`) it also forbids framing (`frame-ancestors`, which browsers ignore, with a
    /// console error, in a `<meta>` policy).
    public static func contentSecurityPolicy(styleSHA256: [String], scriptSources: [String], connectSources: [String],
                                             asHeader: Bool) -> String {
        func list(_ sources: [String]) -> String { sources.isEmpty ? "'none'" : sources.joined(separator: " ") }
        var directives: [String] = ["default-src 'none'"]
        directives.append("script-src " + list(scriptSources))
        directives.append("connect-src " + list(connectSources))
        directives.append("img-src data:")
        directives.append("style-src " + list(styleSHA256.map { "'sha256-\($0)'" }))
        directives += ["base-uri 'none'", "form-action 'none'"]
        if asHeader { directives.append("frame-ancestors 'none'") }
        return directives.joined(separator: "; ")
    }

    /// `<meta http-equiv="Content-Security-Policy" ...>` for `contentSecurityPolicy(styleSHA256:)`;
    /// it must come before any style sheet or content in `<head>`.
    public static func contentSecurityPolicyMeta(styleSHA256: [String]) -> String {
        "<meta http-equiv=\"Content-Security-Policy\" content=\"\(escapeHTML(contentSecurityPolicy(styleSHA256: styleSHA256)))\">"
    }
}
