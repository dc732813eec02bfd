import Crypto
import Foundation
import HTTPTypes
import Localization
import LedgerStore
import Markup
import MerkleLog
import Provenance
import ServerSupport
import Traceability

/// One HTTP answer, independent of the server framework so the routing is tested without sockets.
struct Reply: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var cacheControl: String
    /// Extra headers (Allow, Content-Security-Policy, ...).
    var headers: [(String, String)] = []

    /// A plain-text answer (errors): the message in the visitor's language, then in the other one,
    /// as tools that fetch tiles and proofs send no Accept-Language.
    static func text(_ status: Int, _ message: Message, _ language: PageLanguage) -> Reply {
        let first = language.localizer.render(message), other = (language == .vi ? PageLanguage.en : .vi).localizer.render(message)
        let text = first == other ? first + "\n" : first + "\n" + other + "\n"
        return Reply(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8), cacheControl: "no-store")
    }
}

extension Reply {
    /// What went onto the wire, back as a `Reply` (every header but the content type and cache control in `headers`).
    init(_ wire: WireAnswer) {
        status = wire.head.status.code
        contentType = wire.head.headerFields[.contentType] ?? ""
        cacheControl = wire.head.headerFields[.cacheControl] ?? ""
        body = Array(wire.body.readableBytesView)
        headers = wire.head.headerFields.filter { $0.name != .contentType && $0.name != .cacheControl }.map { ($0.name.canonicalName, $0.value) }
    }
}

/// The public, read-only site over one ledger: lot pages, proof bundles, the browser verifier and
/// the log as C2SP tlog-tiles. Nothing here writes to the ledger; the only key it may hold signs
/// a lot bundle's statement in memory.
final class PublicSite: Sendable {
    let readers: LedgerReaders
    let trust: TrustList?
    let gradeNames: [String: [String: String]]
    let verifierScript: [UInt8]
    let verifierScriptSHA256: String
    /// The verifier's configuration that is the same on every page, per language.
    let configParts: [PageLanguage: LotPage.ConfigParts]
    let caches: SiteCaches

    static let immutable = "public, max-age=31536000, immutable"
    /// Checkpoints and partial tiles change as the log grows: caches keep them only briefly.
    static let shortLived = "public, max-age=5"
    static let methods = "GET, HEAD, OPTIONS"
    /// On a proof's 404: `not-yet-signed` when the lot exists but no signed checkpoint covers its newest record.
    static let proofStatusHeader = "AgriTrace-Proof-Status"

    /// Default bounds of the in-memory caches: 256 MiB of full tiles (about 1,300 entry bundles of
    /// typical entries, or 30,000 hash tiles; all tiles of a million-entry ledger take about 800 MiB,
    /// `serve --tile-cache-mib`) and 32 MiB of lot pages (about 4,000). A tile not kept costs a
    /// read of up to 256 entries from the ledger.
    static let defaultTileCacheBytes = 256 << 20
    static let defaultPageCacheBytes = 32 << 20

    init(readers: LedgerReaders, trust: TrustList?, gradeNames: [String: [String: String]] = [:],
         tileCacheBytes: Int = defaultTileCacheBytes, pageCacheBytes: Int = defaultPageCacheBytes) throws {
        self.readers = readers
        self.gradeNames = gradeNames
        self.trust = trust
        caches = SiteCaches(tileBytes: tileCacheBytes, pageBytes: pageCacheBytes)
        configParts = Dictionary(uniqueKeysWithValues: PageLanguage.allCases.map { language in
            (language, LotPage.ConfigParts(trust: trust, language: language, gradeNames: gradeNames.compactMapValues { $0[language.rawValue] }))
        })
        guard let script = PublicPages.verifierScript else {
            throw ServerError.startup("the browser verifier script is missing from the build (Resources/verify.js)")
        }
        verifierScript = script
        verifierScriptSHA256 = Data(SHA256.hash(data: script)).base64EncodedString()
    }

    /// What a request asks for, once its path is checked.
    enum Target {
        case index(PageLanguage), checkpoint, tile(TilePath), verifyScript, verifier(PageLanguage, proofURL: String?)
        case lotPage(lotCode: String, gtin: String?, PageLanguage), proof(lotCode: String), notFound(PageLanguage)
        /// Refused (400, 414, ...) with this answer.
        case refused(Reply)
    }

    /// An answer built now, or one the caches held, already in its wire form.
    enum Outcome {
        case built(Reply)
        case cached(WireAnswer)
    }

    /// Answers one request, ready for the wire. `path` is the path as sent (percent-encoded), `query` the part after `?`.
    func answer(method: String, path: String, query: String?, acceptLanguage: String?, bodyBytes: Int?) -> WireAnswer {
        switch route(method: method, path: path, query: query, acceptLanguage: acceptLanguage, bodyBytes: bodyBytes) {
        case .built(let reply): return WireAnswer(Self.finished(reply), method: method)
        case .cached(let wire): return method == "HEAD" ? wire.headOnly : wire
        }
    }

    /// The same answer as `answer`, as a `Reply` (for tests).
    func reply(method: String, path: String, query: String?, acceptLanguage: String?, bodyBytes: Int?) -> Reply {
        Reply(answer(method: method, path: path, query: query, acceptLanguage: acceptLanguage, bodyBytes: bodyBytes))
    }

    /// The answer to a GET or HEAD of a full tile or a lot page when the caches hold it (after
    /// bringing them up to the ledger's stamp); nil when answering needs anything more. It is the
    /// answer `answer` gives, looked up without building anything, so the server can write it
    /// from the connection's own thread.
    func cachedAnswer(method: String, path: String, query: String?, acceptLanguage: String?) -> WireAnswer? {
        guard method == "GET" || method == "HEAD" else { return nil }
        let wire: WireAnswer?
        let language = PageLanguage.from(acceptLanguage: acceptLanguage, query: PublicPages.queryValue("lang", in: query))
        switch target(path: path, query: query, language: language) {
        case .tile(let tile):
            wire = try? readers.withLedger { ledger in
                try caches.sync(with: ledger)
                return caches.tile(tile)
            }
        case .lotPage(let lotCode, let gtin, let language):
            let page = try? readers.withLedger { ledger in
                try caches.sync(with: ledger)
                return caches.page(SiteCaches.PageKey(lotCode: lotCode, language: language))
            }
            // A Digital Link naming another GTIN is not found: that answer is not cached.
            wire = page.flatMap { gtin == nil || $0.gtin == gtin ? $0.wire : nil }
        default:
            wire = nil
        }
        return method == "HEAD" ? wire?.headOnly : wire
    }

    /// `reply` with the headers every answer carries.
    static func finished(_ reply: Reply) -> Reply {
        var reply = reply
        // The read-only API may be used from pages hosted anywhere (a verifier saved or hosted elsewhere).
        reply.headers += [("Access-Control-Allow-Origin", "*"), ("X-Content-Type-Options", "nosniff"),
                          ("Referrer-Policy", "no-referrer")]
        return reply
    }

    private func route(method: String, path: String, query: String?, acceptLanguage: String?, bodyBytes: Int?) -> Outcome {
        let language = PageLanguage.from(acceptLanguage: acceptLanguage, query: PublicPages.queryValue("lang", in: query))
        switch method {
        case "GET", "HEAD": break
        case "OPTIONS":
            var reply = Reply(status: 204, contentType: "text/plain; charset=utf-8", body: [], cacheControl: "public, max-age=86400")
            reply.headers = [("Allow", Self.methods), ("Access-Control-Allow-Methods", "GET, HEAD"), ("Access-Control-Max-Age", "86400")]
            return .built(reply)
        default:
            var reply = Reply.text(405, Message("method {method} is not allowed: this server only answers GET and HEAD",
                                                ["method": .text(String(method.prefix(20)))]), language)
            reply.headers = [("Allow", Self.methods)]
            return .built(reply)
        }
        if let bodyBytes, bodyBytes > 0 { return .built(.text(413, Message("a GET or HEAD request carries no body"), language)) }
        let target = target(path: path, query: query, language: language)
        do {
            switch target {
            case .refused(let reply): return .built(reply)
            case .index(let language): return .built(page(LotPage.index(origin: readers.origin, language: language)))
            case .checkpoint: return .built(try checkpoint(language))
            case .tile(let tile): return try self.tile(tile, language)
            case let .lotPage(lotCode, gtin, language): return try lotPage(lotCode: lotCode, gtin: gtin, language: language)
            case .proof(let lotCode): return .built(try proof(lotCode: lotCode, language))
            case .verifyScript:
                return .built(Reply(status: 200, contentType: "text/javascript; charset=utf-8", body: verifierScript, cacheControl: "public, max-age=300"))
            case let .verifier(language, proofURL):
                return .built(page(LotPage.verifier(trust: trust, script: verifierScript, scriptSHA256: verifierScriptSHA256,
                                                    proofURL: proofURL, language: language,
                                                    gradeNames: gradeNames.compactMapValues { $0[language.rawValue] })))
            case .notFound(let language): return .built(notFound(language))
            }
        } catch let error as LabelError {
            return .built(notFound(language, detail: language.localizer.render(error.message)))
        } catch {
            return .built(.text(500, Message("the ledger could not be read: {reason}", ["reason": .text("\(error)")]), language))
        }
    }

    /// Checks the path strictly (`RequestTarget`) and says what it names: a route's exact segments, or nothing.
    func target(path: String, query: String?, language: PageLanguage) -> Target {
        let checked: RequestTarget
        // An encoded slash stays in its segment: GS1 lot codes may hold "/", which their Digital Link carries as %2F.
        do { checked = try RequestTarget(path: path, query: query, encodedSlash: .kept) } catch {
            return .refused(.text(error.status, error.message, language))
        }
        let segments = checked.segments
        switch segments.first {
        case nil: return .index(language)
        case "checkpoint" where segments.count == 1: return .checkpoint
        case "tile":
            // A trailing slash would be a second spelling of the same tile. The raw segments: a
            // tile path has no percent-encoding, so an encoded one is no tile.
            guard !checked.trailingSlash, let tile = TilePath(path.split(separator: "/").dropFirst().map { $0 }) else {
                return .refused(.text(400, Message("malformed tile path: expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (c2sp.org/tlog-tiles)"), language))
            }
            return .tile(tile)
        case "01" where segments.count == 4 && segments[2] == "10":
            guard let gtin = Identifiers.normalisedGTIN(segments[1]) else { return .notFound(language) }
            guard Identifiers.isLotCode(segments[3]) else { return .refused(Self.notALotCode(segments[3], language)) }
            return .lotPage(lotCode: segments[3], gtin: gtin, language)
        case "lot" where segments.count == 2:
            guard Identifiers.isLotCode(segments[1]) else { return .refused(Self.notALotCode(segments[1], language)) }
            return .lotPage(lotCode: segments[1], gtin: nil, language)
        case "lot" where segments.count == 3 && segments[2] == "proof":
            guard Identifiers.isLotCode(segments[1]) else { return .refused(Self.notALotCode(segments[1], language)) }
            return .proof(lotCode: segments[1])
        case "verify.js" where segments.count == 1: return .verifyScript
        case "verifier" where segments.count == 1: return .verifier(language, proofURL: PublicPages.queryValue("proof", in: query))
        default: return .notFound(language)
        }
    }

    private static func notALotCode(_ text: String, _ language: PageLanguage) -> Reply {
        .text(400, Message("'{code}' is not a lot code: a lot code is {lot_code_rule}",
                           ["code": .text(EntryValidator.printable(text)), "lot_code_rule": .message(Identifiers.lotCodeRule)]), language)
    }

    private func page(_ html: LotPage.HTML) -> Reply {
        var reply = Reply(status: html.status, contentType: "text/html; charset=utf-8", body: Array(html.text.utf8), cacheControl: "no-cache")
        reply.headers = [("Content-Security-Policy", html.policy)]
        return reply
    }

    private func notFound(_ language: PageLanguage, detail: String? = nil) -> Reply {
        page(LotPage.notFound(detail: detail, language: language))
    }

    private func checkpoint(_ language: PageLanguage) throws -> Reply {
        guard let stored = try readers.withLedger({ try $0.latestCheckpoint() }) else {
            return .text(404, Message("the cooperative has not signed a checkpoint yet"), language)
        }
        return Reply(status: 200, contentType: "text/plain; charset=utf-8", body: Array(stored.signedNote.utf8), cacheControl: Self.shortLived)
    }

    private func tile(_ path: TilePath, _ language: PageLanguage) throws -> Outcome {
        try readers.withLedger { ledger in
            try caches.sync(with: ledger)
            if let cached = caches.tile(path) { return .cached(cached) }
            let (stamp, outcome) = try ledger.snapshot {
                let stamp = try ledger.changeStamp()
                return (stamp, try LogTiles.read(path, from: ledger, size: stamp.size))
            }
            switch outcome {
            case let .found(bytes, full):
                let reply = Reply(status: 200, contentType: "application/octet-stream", body: bytes, cacheControl: full ? Self.immutable : Self.shortLived)
                guard full else { return .built(reply) }
                let wire = WireAnswer(Self.finished(reply), method: "GET")
                caches.keepTile(wire, for: path, readAt: stamp)
                return .cached(wire)
            case let .absent(reason):
                return .built(.text(404, reason, language))
            }
        }
    }

    /// The lot's page as the ledger says now; not found when the lot is unknown or (for a Digital
    /// Link) its GTIN differs.
    private func lotPage(lotCode: String, gtin: String?, language: PageLanguage) throws -> Outcome {
        let key = SiteCaches.PageKey(lotCode: lotCode, language: language)
        let found = try readers.withLedger { ledger in
            try caches.sync(with: ledger)
            if let cached = caches.page(key) { return cached }
            let (stamp, entries) = try ledger.snapshot { (try ledger.changeStamp(), try LotProof.entries(lotCode: lotCode, ledger: ledger)) }
            let state = try LotState(entries: entries)
            var keys: Set<IndexKey> = [IndexKey(IndexKeyName.lotCode, lotCode)]
            for entry in entries { keys.formUnion((try? entry.record())?.indexKeys ?? []) }
            let built = SiteCaches.Page(
                wire: WireAnswer(Self.finished(self.page(LotPage.lot(state, ledger: readers.origin, proofPath: "/lot/\(Identifiers.percentEncoded(lotCode))/proof",
                                             scriptSHA256: verifierScriptSHA256, language: language, config: configParts[language]!,
                                             gradeNames: gradeNames.compactMapValues { $0[language.rawValue] }))), method: "GET"),
                gtin: state.lot.identifier.gtin, keys: keys)
            caches.keepPage(built, for: key, builtAt: stamp)
            return built
        }
        if let gtin, found.gtin != gtin { return .built(notFound(language)) }
        return .cached(found.wire)
    }

    /// The lot's proof bundle from the statement `ledger checkpoint` signed and stored for it;
    /// this server holds no key and signs nothing.
    private func proof(lotCode: String, _ language: PageLanguage) throws -> Reply {
        guard let bundle = try readers.withLedger({ try LotStatements.bundle(lotCode: lotCode, ledger: $0) }) else {
            var reply = Reply.text(404, Message("no checkpoint signed by the cooperative covers this lot's newest record yet; the cooperative signs one with `agritrace ledger checkpoint`"), language)
            // Lets the browser verifier (also on other hosts) say "not yet verifiable" rather than
            // "not verified": nothing is proven either way, but nothing failed either.
            reply.headers = [(Self.proofStatusHeader, "not-yet-signed"), ("Access-Control-Expose-Headers", Self.proofStatusHeader)]
            return reply
        }
        var reply = Reply(status: 200, contentType: "text/plain; charset=utf-8", body: Array(bundle.serialized.utf8), cacheControl: "no-cache")
        reply.headers = [("Content-Disposition", "attachment; filename=\"\(LabelFileName.encode(lotCode)).proof\"")]
        return reply
    }
}

enum ServerError: Error, CustomStringConvertible {
    case startup(String)
    var description: String {
        switch self { case .startup(let message): return message }
    }
}
