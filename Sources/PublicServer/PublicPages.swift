import Crypto
import Foundation
import LedgerStore
import Traceability

/// The buyer's pages for servers other than `serve` (the province aggregator): the same HTML,
/// texts, escaping, policy and in-browser verifier, with the proof fetched from the cooperative's
/// own server, so the buyer's browser checks the cooperative's signatures, not the host's word.
public enum PublicPages {
    public struct Page: Sendable, Equatable {
        public let status: Int
        public let html: String
        public let contentSecurityPolicy: String
    }

    /// The first value of `name` in a URL query (`a=1&b=2`), '+' and percent-encoding decoded;
    /// nil when absent or badly encoded. Every page server reads `lang` and its own keys this way.
    public static func queryValue(_ name: String, in query: String?) -> String? {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name, parts.count == 2 { return LotIdentifier.percentDecoded(parts[1].replacingOccurrences(of: "+", with: " ")) }
        }
        return nil
    }

    /// The browser verifier every page loads from its own server's `/verify.js`.
    public static let verifierScript: [UInt8]? = {
        guard let url = Bundle.module.url(forResource: "verify", withExtension: "js", subdirectory: "Resources") else { return nil }
        return try? Array(Data(contentsOf: url))
    }()

    /// A lot of one cooperative's ledger. `entries` are the lot's records (lot, origin, gradings,
    /// corrections) as `LotState` reads them; `proofURL` is the lot's bundle on the cooperative's
    /// server (`…/lot/<lot>/proof`), which the page may fetch and nothing else.
    /// `language`: the `lang` query value, if any.
    /// `keptQuery` ("name=value&", encoded) stays in the page's language link.
    public static func lot(entries: [LedgerEntry], ledgerName: String, trust: TrustList, proofURL: String,
                           acceptLanguage: String?, language: String?, gradeNames: [String: [String: String]] = [:],
                           keptQuery: String = "") throws -> Page {
        let pageLanguage = PageLanguage.from(acceptLanguage: acceptLanguage, query: language)
        let state = try LotState(entries: entries)
        let script = verifierScript ?? []
        let html = LotPage.lot(state, ledger: ledgerName, trust: trust, proofPath: proofURL,
                               scriptSHA256: Data(SHA256.hash(data: script)).base64EncodedString(), language: pageLanguage,
                               gradeNames: gradeNames.compactMapValues { $0[pageLanguage.rawValue] },
                               connectSources: origin(of: proofURL).map { [$0] } ?? [], keptQuery: keptQuery, factsNote: "province.says")
        return Page(status: html.status, html: html.text, contentSecurityPolicy: html.policy)
    }

    /// Several cooperatives recorded the lot code: links to each one's page.
    public static func choice(lotCode: String, links: [(name: String, href: String)], acceptLanguage: String?, language: String?) -> Page {
        let html = LotPage.choice(lotCode: lotCode, links: links, language: PageLanguage.from(acceptLanguage: acceptLanguage, query: language))
        return Page(status: html.status, html: html.text, contentSecurityPolicy: html.policy)
    }

    /// One cooperative as an aggregator follows it (see `cooperativeAudit(_:acceptLanguage:language:)`).
    public struct CooperativeAudit: Sendable, Equatable {
        public struct Evidence: Sendable, Equatable {
            /// `rollback`, `equivocation`, `fork` or `invalid_entry`.
            public var kind: String
            /// The checker's own words in English, and in Vietnamese (nil for evidence an older
            /// aggregator kept in English only).
            public var detail: String
            public var detailVietnamese: String?
            public var earlierNote: String?
            public var laterNote: String

            public init(kind: String, detail: String, detailVietnamese: String? = nil, earlierNote: String?, laterNote: String) {
                self.kind = kind
                self.detail = detail
                self.detailVietnamese = detailVietnamese
                self.earlierNote = earlierNote
                self.laterNote = laterNote
            }
        }

        public var name: String
        public var baseURL: String
        /// The checkpoint origin (the ledger key's name).
        public var keyName: String
        public var following: Bool
        public var entries: Int
        public var checkpointSize: Int
        public var cosignedSize: Int?
        public var latestCheckpoint: String?
        public var lastError: String?
        public var lastErrorVietnamese: String?
        public var evidence: [Evidence]

        public init(name: String, baseURL: String, keyName: String, following: Bool, entries: Int, checkpointSize: Int,
                    cosignedSize: Int?, latestCheckpoint: String?, lastError: String?, lastErrorVietnamese: String?, evidence: [Evidence]) {
            self.name = name
            self.baseURL = baseURL
            self.keyName = keyName
            self.following = following
            self.entries = entries
            self.checkpointSize = checkpointSize
            self.cosignedSize = cosignedSize
            self.latestCheckpoint = latestCheckpoint
            self.lastError = lastError
            self.lastErrorVietnamese = lastErrorVietnamese
            self.evidence = evidence
        }
    }

    /// The audit report of one cooperative: following or halted, and the evidence of a halt.
    public static func cooperativeAudit(_ audit: CooperativeAudit, acceptLanguage: String?, language: String?) -> Page {
        let html = LotPage.cooperativeAudit(audit, language: PageLanguage.from(acceptLanguage: acceptLanguage, query: language))
        return Page(status: html.status, html: html.text, contentSecurityPolicy: html.policy)
    }

    public static func unavailable(detail: String?, acceptLanguage: String?, language: String?) -> Page {
        let html = LotPage.unavailable(detail: detail, language: PageLanguage.from(acceptLanguage: acceptLanguage, query: language))
        return Page(status: html.status, html: html.text, contentSecurityPolicy: html.policy)
    }

    public static func notFound(detail: String?, acceptLanguage: String?, language: String?) -> Page {
        let html = LotPage.notFound(detail: detail, language: PageLanguage.from(acceptLanguage: acceptLanguage, query: language))
        return Page(status: html.status, html: html.text, contentSecurityPolicy: html.policy)
    }

    /// `scheme://host[:port]` of an http(s) URL, for the page's connect-src; nil when the URL has
    /// anything a policy source cannot safely hold (it then fetches nothing and says so).
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty,
              host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) })
        else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed)" + (components.port.map { ":\($0)" } ?? "")
    }
}
