import Localization

/// A request's target (the second word of the request line), checked the same way by every
/// server before it routes: the path's segments, percent-decoded, and the query as sent.
///
/// Routes then compare whole segment lists, so a path is either exactly a route or not one. Each
/// server used to split the path itself, and the public server took the empty first segment of
/// `//`, `//lot/X` or `//evil.example/` for its home page.
///
/// Refused (`Refusal`, 400 unless said otherwise):
/// - more than `maxBytes` of path and query: 414;
/// - a path not starting with `/`: the authority form (`host:443`), the asterisk form (`*`), a
///   query alone (`?a=b`). The absolute form (`http://host/path`) reaches the servers already
///   turned into its path (NIOHTTPTypes), as RFC 9112 §3.2.2 asks servers to accept it;
/// - an empty segment (`//`, `/a//b`); a single trailing `/` is not one, but is reported, for
///   the routes that do not take it;
/// - malformed percent-encoding, or bytes that are not UTF-8 once decoded;
/// - a segment that is `.` or `..` once decoded (`%2e%2e` too): no route maps to files, but
///   such a path is refused plainly rather than answered as some other address;
/// - control characters once decoded (`%00`, `%0A`);
/// - an encoded slash (`%2F`) in a segment, unless the server takes one (`EncodedSlash.kept`:
///   GS1 lot codes may hold `/`, which their Digital Link path carries as `%2F`).
public struct RequestTarget: Sendable, Equatable {
    /// The path as sent, percent-encoded (e.g. `/lot/A%2FB-7`).
    public let path: String
    /// What follows the first `?`, without a fragment, as sent; nil without a `?`.
    public let query: String?
    /// The path's segments, decoded: `/` is `[]`, `/lot/X` and `/lot/X/` are `["lot", "X"]`.
    public let segments: [String]
    /// The path ends in `/` after at least one segment (`/lot/X/`).
    public let trailingSlash: Bool

    public enum EncodedSlash: Sendable {
        /// `%2F` in a segment is refused.
        case refused
        /// `%2F` stays part of its segment (decoded to `/` there, never a separator).
        case kept
    }

    /// Why a target was refused, with the HTTP status to answer.
    public struct Refusal: LocalizableError, Equatable {
        public let status: Int
        public let message: Message
    }

    /// `message` in English, then Vietnamese, one line each: for answers to requests whose
    /// language is not known (the server has none of its own, or the request was never parsed).
    public static func inBothLanguages(_ message: Message) -> String {
        Localizer.english.render(message) + "\n" + vietnamese.render(message) + "\n"
    }

    private static let vietnamese = (try? Localizer.bundled(.vietnamese)) ?? .english

    /// The servers' default bound on path and query: no route needs more than a lot code's Digital
    /// Link and a few query parameters.
    public static let defaultMaxBytes = 2048

    /// Checks a whole target (`/path?query#fragment`, as `HTTPRequest.path` holds it).
    public init(_ target: String, maxBytes: Int = defaultMaxBytes, encodedSlash: EncodedSlash = .refused) throws(Refusal) {
        let (path, query) = Self.split(target)
        try self.init(path: path, query: query, maxBytes: maxBytes, encodedSlash: encodedSlash)
    }

    /// The path and the query (after the first `?`, without a fragment) of a target, unchecked:
    /// for servers whose answers are looked up by path and query before they are checked.
    public static func split(_ target: String) -> (path: String, query: String?) {
        let withoutFragment = target.firstIndex(of: "#").map { target[..<$0] } ?? target[...]
        guard let mark = withoutFragment.firstIndex(of: "?") else { return (String(withoutFragment), nil) }
        return (String(withoutFragment[..<mark]), String(withoutFragment[withoutFragment.index(after: mark)...]))
    }

    /// Checks a target already split into its path and query.
    public init(path: String, query: String?, maxBytes: Int = defaultMaxBytes, encodedSlash: EncodedSlash = .refused) throws(Refusal) {
        guard path.utf8.count + (query?.utf8.count ?? 0) <= maxBytes else {
            throw Refusal(status: 414, message: Message("the request address is longer than {max_bytes} bytes", ["max_bytes": .integer(maxBytes)]))
        }
        guard path.hasPrefix("/") else { throw Refusal(status: 400, message: Message("the request path must start with /")) }
        var raw = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let trailingSlash = raw.count > 1 && raw.last?.isEmpty == true
        if raw.last?.isEmpty == true { raw.removeLast() }   // "/" itself, or a trailing slash
        var segments: [String] = []
        for bytes in raw {
            guard !bytes.isEmpty else {
                throw Refusal(status: 400, message: Message("the request path may not hold an empty segment ('//')"))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let decoded = HexEscapes.decode(text, marker: UInt8(ascii: "%")) else {
                throw Refusal(status: 400, message: Message("malformed percent-encoding in the path"))
            }
            if decoded == "." || decoded == ".." || decoded.unicodeScalars.contains(where: TerminalText.isControl) {
                throw Refusal(status: 400, message: Message("path segments may not be '.' or '..' or contain control characters"))
            }
            if encodedSlash == .refused, decoded.utf8.contains(UInt8(ascii: "/")) {
                throw Refusal(status: 400, message: Message("a path segment may not hold an encoded slash (%2F) here"))
            }
            segments.append(decoded)
        }
        self.path = path
        self.query = query
        self.segments = segments
        self.trailingSlash = trailingSlash
    }
}
