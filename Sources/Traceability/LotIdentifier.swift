import Localization
import Provenance

/// The URI printed in a lot's QR code and used as its EPCIS `epcClass`.
///
/// With a GTIN it is the GS1 Digital Link URI `https://id.gs1.org/01/<GTIN-14>/10/<lot>`.
/// A lot without a GTIN cannot have a GS1 identifier (GS1 keys need a company prefix), so it
/// falls back to `urn:agritrace:lot:<lot>`: a URN rather than an https link because we own no
/// web domain that would resolve; scanners show it as text, and `agritrace trace` accepts it.
public enum LotIdentifier: Equatable, Sendable {
    case digitalLink(gtin: String, lot: String)
    case fallback(lot: String)

    public static let digitalLinkPrefix = "https://id.gs1.org/01/"
    public static let fallbackPrefix = "urn:agritrace:lot:"
    /// The EPC class URI of a GTIN and lot (GS1 Tag Data Standard), which EPCIS queries also use.
    public static let lgtinPrefix = "urn:epc:class:lgtin:"

    /// A GTIN is used only when it has a valid GS1 check digit; shorter GTINs are padded to 14.
    public init(lot: String, gtin: String?) {
        if let gtin, let normalised = LotIdentifier.normalisedGTIN(gtin) {
            self = .digitalLink(gtin: normalised, lot: lot)
        } else {
            self = .fallback(lot: lot)
        }
    }

    public var lot: String {
        switch self {
        case .digitalLink(_, let lot), .fallback(let lot): return lot
        }
    }

    public var uri: String {
        switch self {
        case let .digitalLink(gtin, lot): return Identifiers.digitalLinkURI(gtin: gtin, lotCode: lot)
        case let .fallback(lot): return Self.fallbackPrefix + Self.percentEncoded(lot)
        }
    }

    /// The GTIN-14 of a Digital Link identifier.
    public var gtin: String? {
        if case .digitalLink(let gtin, _) = self { return gtin }
        return nil
    }

    /// The lot page's path on a cooperative's own server: the GS1 Digital Link path
    /// `/01/<GTIN-14>/10/<lot>`, or `/lot/<lot>` without a GTIN (lot percent-encoded as in `uri`).
    public var path: String {
        switch self {
        case let .digitalLink(gtin, lot): return "/01/\(gtin)/10/\(Self.percentEncoded(lot))"
        case let .fallback(lot): return "/lot/\(Self.percentEncoded(lot))"
        }
    }

    /// The lot page on the server at `baseURL` (`https://trace.coop.example`, a trailing slash is
    /// ignored): what a label's QR code holds when the cooperative serves its own pages.
    public func url(baseURL: String) -> String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + path
    }

    /// Parses either form, and the EPC class URI `urn:epc:class:lgtin:<company prefix>.<indicator
    /// digit and item reference>.<lot>` of a Digital Link lot. Any resolver host is accepted for
    /// Digital Link (`/01/<gtin>/10/<lot>`), as GS1 allows brands to use their own domain; a
    /// trailing query string is ignored.
    public init?(uri: String) {
        if uri.hasPrefix(Self.lgtinPrefix) {
            let parts = uri.dropFirst(Self.lgtinPrefix.count).split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let gtin = Identifiers.gtin14(companyPrefix: parts[0], indicatorAndItemReference: parts[1]),
                  let lot = Self.percentDecoded(String(parts[2])), !lot.isEmpty else { return nil }
            self = .digitalLink(gtin: gtin, lot: lot)
            return
        }
        if uri.hasPrefix(Self.fallbackPrefix) {
            guard let lot = Self.percentDecoded(String(uri.dropFirst(Self.fallbackPrefix.count))), !lot.isEmpty
            else { return nil }
            self = .fallback(lot: lot)
            return
        }
        guard uri.hasPrefix("https://") || uri.hasPrefix("http://") else { return nil }
        let withoutQuery = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let segments = withoutQuery.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let index = segments.firstIndex(of: "01"), index + 3 < segments.count,
              segments[index + 2] == "10",
              let gtin = Self.normalisedGTIN(segments[index + 1]),
              let lot = Self.percentDecoded(segments[index + 3]), !lot.isEmpty else { return nil }
        self = .digitalLink(gtin: gtin, lot: lot)
    }

    /// GTIN-8/12/13/14 digits with a correct mod-10 check digit, left-padded to 14 digits.
    public static func normalisedGTIN(_ text: String) -> String? { Identifiers.normalisedGTIN(text) }

    static func percentEncoded(_ text: String) -> String { Identifiers.percentEncoded(text) }

    /// The text with every `%XX` replaced by its byte; nil for a malformed escape or bytes that are not UTF-8.
    public static func percentDecoded(_ text: String) -> String? { HexEscapes.decode(text, marker: UInt8(ascii: "%")) }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
