import Foundation
import LedgerStore
import Localization

/// The one rule for a public server's base address: what a label's QR code starts with and
/// where the province fetches a cooperative's tiles. Lot paths are appended to it, so it has no
/// query or fragment; it is printed on every label, so it carries no user or password (browsers
/// refuse such addresses anyway); and it is plain printable ASCII, an international host name in
/// its xn-- form, so every phone's scanner reads the same address.
public enum PublicBaseURL {
    /// `text` without its trailing slash, or why it is not a base address.
    /// Longest base address: every label's QR code holds it before the lot's path, and a small
    /// label's code must stay coarse enough for a phone camera.
    public static let maxBytes = 128

    public static func validated(_ text: String) throws(PublicBaseURLError) -> String {
        guard text.utf8.count <= maxBytes, text.utf8.allSatisfy({ (0x21...0x7e).contains($0) }), let url = URL(string: text),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, url.user == nil, url.password == nil, url.query == nil, url.fragment == nil,
              !text.contains("@"), !text.contains("?"), !text.contains("#") else {
            throw PublicBaseURLError(url: text)
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}

public struct PublicBaseURLError: LocalizableError, Equatable {
    public let url: String
    public var message: Message {
        Message("base URL {url}: expected an http:// or https:// address of at most {max} characters with a host and no user, password, query, fragment or spaces, e.g. https://trace.coop.example",
                ["url": .text(EntryValidator.printable(url)), "max": .integer(PublicBaseURL.maxBytes)])
    }
}
