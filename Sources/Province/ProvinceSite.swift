import Foundation
import Hummingbird
import HTTPTypes
import LedgerStore
import Localization
import Logging
import NIOCore
import Provenance
import PublicServer
import ServerSupport
import Traceability
import Witnessing

/// The aggregator's read-only HTTP API (JSON):
///
/// | path | answer |
/// |---|---|
/// | `/status` | every cooperative: following or halted (why, with the evidence), entries stored, last error |
/// | `/lot/<lot>` | every cooperative's lot with that code: its entries and origin registration |
/// | `/01/<GTIN>/10/<lot>` | the same for one GTIN (GS1 Digital Link path, so labels can point here) |
/// | `/origin/<code>` | every cooperative's entries about that origin code |
/// | `/audit/<cooperative>` | its audit report (HTML, Vietnamese or English): following or halted, and a halt's evidence |
/// | `/audit/<cooperative>/evidence/<n>/earlier`, `…/later` | the n-th evidence's signed checkpoints (text), as files for `agritrace audit --checkpoint` |
/// | `/checkpoint/<cooperative>` | its latest verified checkpoint (text), with this aggregator's cosignature when it has a witness key |
/// | `/events?…` | EPCIS 2.0 `EPCISQueryDocument` (`GE_eventTime`, `LT_eventTime`, `EQ_bizStep`, `MATCH_epc`, `MATCH_epcClass`, `EQ_bizLocation`, `eventType`) |
///
/// A browser (`Accept: text/html`) asking for a lot gets the buyer's lot page instead, as
/// `agritrace serve` shows it, verified in the browser against the cooperative's configured key
/// with the proof from the cooperative's own server.
public struct ProvinceSite: Sendable {
    public struct Reply: Sendable, Equatable {
        public let status: Int
        public let contentType: String
        public let body: String
        /// Set on HTML pages.
        public var contentSecurityPolicy: String? = nil
    }

    let store: ProvinceStore
    let now: @Sendable () -> Date
    /// The configured cooperatives by name: their servers hold the proofs their lot pages check.
    let cooperatives: [String: ProvinceConfig.Cooperative]
    /// Grade code → language tag → name, for the lot pages (as `serve` has them).
    let gradeNames: [String: [String: String]]
    let answers: AnswerCache
    /// Room for some tens of thousands of answers: 5,000 EPCIS answers overflowed 32 MiB, and each
    /// miss costs tens of milliseconds of queries under load.
    public static let defaultAnswerCacheBytes = 256 << 20

    /// `answerCacheBytes`: most bytes of JSON answers kept in memory (0: none kept).
    public init(store: ProvinceStore, cooperatives: [ProvinceConfig.Cooperative] = [], gradeNames: [String: [String: String]] = [:],
                answerCacheBytes: Int = defaultAnswerCacheBytes, now: @escaping @Sendable () -> Date = Date.init) {
        self.init(store: store, cooperatives: cooperatives, gradeNames: gradeNames, answers: AnswerCache(maxBytes: answerCacheBytes), now: now)
    }

    init(store: ProvinceStore, cooperatives: [ProvinceConfig.Cooperative], gradeNames: [String: [String: String]], answers: AnswerCache,
         now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
        self.answers = answers
        self.gradeNames = gradeNames
        self.cooperatives = Dictionary(cooperatives.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func reply(method: String, path: String, query: String?, accept: String? = nil, acceptLanguage: String? = nil) async -> Reply {
        let page = (accept ?? "").contains("text/html") ? PageRequest(acceptLanguage: acceptLanguage, query: query) : nil
        guard method == "GET" || method == "HEAD" else { return Self.error(405, Message("only GET and HEAD")) }
        let target: RequestTarget
        // An encoded slash stays in its segment: GS1 lot codes may hold "/" (Digital Link paths carry it as %2F).
        do { target = try RequestTarget(path: path, query: query, encodedSlash: .kept) } catch { return Self.error(error.status, error.message) }
        // No route ends in "/": a trailing one is not a second spelling of a route, so it is answered as nowhere.
        let parts = target.trailingSlash ? [] : target.segments
        // Not /status, /checkpoint or the audit pages: they say how ingest stands now.
        let key = page == nil && parts.first.map(Self.cachedAnswers.contains) == true ? AnswerCache.Key(path: path, query: query) : nil
        if key != nil { await answers.watch(store) }
        let generation = store.writes.current
        if let key, let kept = answers.reply(for: key, generation: generation) { return kept }
        let reply = await answerWithin(parts, query: query, page: page, acceptLanguage: acceptLanguage)
        // A 503 (the database down) is not an answer to keep.
        if let key, reply.status == 200 || reply.status == 404 { answers.keep(reply, for: key, generation: generation) }
        return reply
    }

    /// The first path segments of the answers `AnswerCache` keeps.
    static let cachedAnswers: Set<String> = ["lot", "01", "origin", "events"]

    /// The kept answer `reply` would give to this request, ready for the wire, looked up without
    /// waiting for anything so the server can write it from the connection's event loop; nil when
    /// `reply` might answer otherwise: a page for a browser, a path whose answers are not kept, a
    /// database change stamp due to be read again (`reply` reads it), nothing kept at the store's
    /// current generation. `path` and `query` are the target as sent, the key answers are kept by.
    func keptAnswer(method: String, path: String, query: String?, accept: String?) -> WireAnswer? {
        guard method == "GET" || method == "HEAD", !(accept ?? "").contains("text/html"),
              Self.cachedAnswers.contains(String(path.dropFirst().prefix { $0 != "/" })),
              !answers.watchDue(),
              let wire = answers.wire(for: AnswerCache.Key(path: path, query: query), generation: store.writes.current) else { return nil }
        return method == "HEAD" ? wire.headOnly : wire
    }

    /// Longest a request waits for the database. With PostgreSQL down, the pool holds each query
    /// until its circuit breaker opens (about a minute, measured 67 s); a reader is told sooner.
    var databaseLimit: Duration = .seconds(15)

    /// `answer`, or 503 once `databaseLimit` has passed; pages (a browser's, the audit reports)
    /// say it as a page in the reader's language, everything else as the JSON error.
    private func answerWithin(_ parts: [String], query: String?, page: PageRequest?, acceptLanguage: String?) async -> Reply {
        let limit = databaseLimit
        let timeout = ProvinceError.unavailable(Message("the database did not answer within {seconds} s", ["seconds": .integer(Int(limit.components.seconds))]))
        let reply: Reply
        do {
            reply = try await Deadline.run(atMost: limit, timeout) { await self.answer(parts, query: query, page: page, acceptLanguage: acceptLanguage) }
        } catch {
            reply = Self.error(503, Message("the database cannot answer now: {reason}", ["reason": .message(ProvinceStore.message(of: error))]))
        }
        guard reply.status == 503, page != nil || parts.first == "audit" else { return reply }
        let request = page ?? PageRequest(acceptLanguage: acceptLanguage, query: query)
        return Self.page(PublicPages.unavailable(detail: nil, acceptLanguage: request.acceptLanguage, language: request.language))
    }

    private func answer(_ parts: [String], query: String?, page: PageRequest?, acceptLanguage: String?) async -> Reply {
        do {
            switch parts.count {
            case 1 where parts[0] == "status":
                return Self.json(statusJSON(try await store.status()))
            case 1 where parts[0] == "events":
                let eventQuery: EventQuery
                do { eventQuery = try EventQuery(query: query) } catch { return Self.error(400, error.message) }
                let document = try await store.events(eventQuery, creationDate: Self.timestamp(now()))
                return Reply(status: 200, contentType: "application/ld+json; charset=utf-8", body: document.rendered())
            case 1 where parts[0] == "verify.js":
                guard let script = PublicPages.verifierScript else { return Self.error(500, Message("the browser verifier is missing from the build")) }
                return Reply(status: 200, contentType: "text/javascript; charset=utf-8", body: String(decoding: script, as: UTF8.self))
            case 2 where parts[0] == "lot":
                guard Identifiers.isLotCode(parts[1]) else { return Self.notALotCode(parts[1]) }
                if let page { return try await lotPage(parts[1], gtin: nil, page) }
                return try await lot(parts[1], gtin: nil)
            case 4 where parts[0] == "01" && parts[2] == "10":
                guard let gtin = Identifiers.normalisedGTIN(parts[1]) else { return Self.error(400, Message("'{value}' is not a GTIN (8 to 14 digits with a valid GS1 check digit)", ["value": .text(EntryValidator.printable(parts[1]))])) }
                guard Identifiers.isLotCode(parts[3]) else { return Self.notALotCode(parts[3]) }
                if let page { return try await lotPage(parts[3], gtin: gtin, page) }
                return try await lot(parts[3], gtin: gtin)
            case 2 where parts[0] == "checkpoint":
                guard let note = try await store.latestCheckpoint(cooperative: parts[1]) else {
                    return Self.error(404, Message("no verified checkpoint of a cooperative named {name}", ["name": .text(EntryValidator.printable(parts[1]))]))
                }
                return Reply(status: 200, contentType: "text/plain; charset=utf-8", body: note)
            case 2 where parts[0] == "audit":
                let request = PageRequest(acceptLanguage: acceptLanguage, query: query)
                guard let audit = try await audit(cooperative: parts[1]) else {
                    return Self.page(PublicPages.notFound(detail: nil, acceptLanguage: request.acceptLanguage, language: request.language))
                }
                return Self.page(PublicPages.cooperativeAudit(audit, acceptLanguage: request.acceptLanguage, language: request.language))
            case 5 where parts[0] == "audit" && parts[2] == "evidence":
                // The signed checkpoints verbatim, so the inspector saves them for `agritrace audit --checkpoint`
                // instead of copying them out of a page or of /status.
                let evidence = try await store.status().first { $0.name == parts[1] }?.evidence ?? []
                guard let n = Int(parts[3]), evidence.indices.contains(n - 1),
                      let note = parts[4] == "earlier" ? evidence[n - 1].earlierNote : parts[4] == "later" ? evidence[n - 1].laterNote : nil else {
                    return Self.error(404, Message("no such evidence: see /audit/{name}", ["name": .text(EntryValidator.printable(parts[1]))]))
                }
                return Reply(status: 200, contentType: "text/plain; charset=utf-8", body: note)
            case 2 where parts[0] == "origin":
                guard Identifiers.isOriginCode(parts[1]) else { return Self.error(400, Message("'{value}' is not an origin code: {rule}", ["value": .text(EntryValidator.printable(parts[1])), "rule": .message(Identifiers.originCodeRule)])) }
                let traces = try await store.trace(originCode: parts[1])
                guard !traces.isEmpty else { return Self.error(404, Message("no cooperative has recorded origin code {code}", ["code": .text(parts[1])])) }
                return Self.json(.object([
                    ("origin_code", .string(parts[1])),
                    ("cooperatives", .array(traces.map { .object([("cooperative", .string($0.cooperative)),
                                                                  ("entries", .array($0.entries.map(Self.entryJSON)))]) })),
                ]))
            default:
                return Self.error(404, Message("nothing is at this address: see /status, /lot/<lot>, /01/<GTIN>/10/<lot>, /origin/<code>, /events, /audit/<cooperative>"))
            }
        } catch {
            return Self.error(503, Message("the database cannot answer now: {reason}", ["reason": .message(ProvinceStore.message(of: error))]))
        }
    }

    private func lot(_ code: String, gtin: String?) async throws -> Reply {
        let traces = try await store.trace(lotCode: code, gtin: gtin)
        guard !traces.isEmpty else {
            return Self.error(404, gtin.map { Message("no cooperative has recorded lot {lot} with GTIN {gtin}", ["lot": .text(code), "gtin": .text($0)]) }
                                  ?? Message("no cooperative has recorded lot {lot}", ["lot": .text(code)]))
        }
        return Self.json(.object([
            ("lot_code", .string(code)),
            ("cooperatives", .array(traces.map { trace in
                var members: [(String, OrderedJSON)] = [("cooperative", .string(trace.cooperative)), ("origin_code", .string(trace.originCode))]
                if let gtin = trace.gtin { members.append(("gtin", .string(gtin))) }
                members.append(("entries", .array(trace.entries.map(Self.entryJSON))))
                if let note = trace.checkpointNote { members.append(("checkpoint", .string(note))) }
                return .object(members)
            })),
        ]))
    }

    /// What a page request asks for besides its path: the visitor's languages and `?lang=`, `?cooperative=`.
    struct PageRequest {
        let acceptLanguage: String?
        let language: String?
        let cooperative: String?

        init(acceptLanguage: String?, query: String?) {
            self.acceptLanguage = acceptLanguage
            language = PublicPages.queryValue("lang", in: query)
            cooperative = PublicPages.queryValue("cooperative", in: query)
        }
    }

    /// The buyer's lot page; a lot code several cooperatives recorded first gets a choice of them.
    private func lotPage(_ code: String, gtin: String?, _ request: PageRequest) async throws -> Reply {
        // A cooperative no longer configured has no key here, so its page could never be verified: buyers are not sent there.
        let traces = try await store.trace(lotCode: code, gtin: gtin).filter { cooperatives[$0.cooperative] != nil }
        guard !traces.isEmpty else {
            return Self.page(PublicPages.notFound(detail: nil, acceptLanguage: request.acceptLanguage, language: request.language))
        }
        // An unknown ?cooperative= gets the choice of those that have the lot.
        let matching = traces.filter { $0.cooperative == request.cooperative }
        let chosen = matching.isEmpty ? traces : matching
        let trace = chosen[0]
        if chosen.count > 1 {
            let links = chosen.map { (name: $0.cooperative, href: "?cooperative=" + Identifiers.percentEncoded($0.cooperative)
                                          + (request.language.map { "&lang=" + Identifiers.percentEncoded($0) } ?? "")) }
            return Self.page(PublicPages.choice(lotCode: code, links: links, acceptLanguage: request.acceptLanguage, language: request.language))
        }
        let cooperative = cooperatives[trace.cooperative]
        let trust = TrustList(logKeys: cooperative.map { [$0.key] } ?? [])
        let proofURL = (cooperative?.baseURL ?? "") + "/lot/" + Identifiers.percentEncoded(code) + "/proof"
        do {
            return Self.page(try PublicPages.lot(entries: trace.entries, ledgerName: trace.cooperative + " · " + (cooperative?.origin ?? ""),
                                                 trust: trust, proofURL: proofURL, acceptLanguage: request.acceptLanguage,
                                                 language: request.language, gradeNames: gradeNames,
                                                 keptQuery: request.cooperative.map { "cooperative=" + Identifiers.percentEncoded($0) + "&" } ?? ""))
        } catch {
            return Self.page(PublicPages.notFound(detail: "\(error)", acceptLanguage: request.acceptLanguage, language: request.language))
        }
    }

    /// The audit report of one cooperative (nil when the aggregator has never heard of it).
    private func audit(cooperative name: String) async throws -> PublicPages.CooperativeAudit? {
        guard let status = try await store.status().first(where: { $0.name == name }) else { return nil }
        return PublicPages.CooperativeAudit(
            name: status.name, baseURL: status.baseURL, keyName: cooperatives[name]?.origin ?? "", following: status.status == "following",
            entries: status.treeSize, checkpointSize: status.checkpointSize, cosignedSize: status.cosignedSize,
            latestCheckpoint: try await store.latestCheckpoint(cooperative: name), lastError: status.lastError,
            lastErrorVietnamese: status.lastErrorVietnamese,
            evidence: status.evidence.map {
                .init(kind: $0.kind, detail: $0.detail, detailVietnamese: $0.detailVietnamese, earlierNote: $0.earlierNote, laterNote: $0.laterNote)
            })
    }

    static func page(_ page: PublicPages.Page) -> Reply {
        Reply(status: page.status, contentType: "text/html; charset=utf-8", body: page.html, contentSecurityPolicy: page.contentSecurityPolicy)
    }

    private func statusJSON(_ cooperatives: [ProvinceStore.CooperativeStatus]) -> OrderedJSON {
        .object([("cooperatives", .array(cooperatives.map { item in
            var members: [(String, OrderedJSON)] = [
                ("name", .string(item.name)), ("base_url", .string(item.baseURL)), ("status", .string(item.status)),
                ("entries", .int(item.treeSize)), ("checkpoint_size", .int(item.checkpointSize)),
            ]
            if let size = item.cosignedSize { members.append(("cosigned_size", .int(size))) }
            if let reason = item.haltReason {
                members.append(("halt_reason", .string(reason)))
                if let vietnamese = item.haltReasonVietnamese { members.append(("halt_reason_vi", .string(vietnamese))) }
            }
            if let error = item.lastError {
                members.append(("last_error", .string(error)))
                if let vietnamese = item.lastErrorVietnamese { members.append(("last_error_vi", .string(vietnamese))) }
                if let code = item.lastErrorCode { members.append(("last_error_code", .string(code))) }
            }
            if !item.evidence.isEmpty {
                members.append(("evidence", .array(item.evidence.map { evidence in
                    var fields: [(String, OrderedJSON)] = [("kind", .string(evidence.kind)), ("detail", .string(evidence.detail))]
                    if let vietnamese = evidence.detailVietnamese { fields.append(("detail_vi", .string(vietnamese))) }
                    if let earlier = evidence.earlierNote { fields.append(("earlier_checkpoint", .string(earlier))) }
                    fields.append(("later_checkpoint", .string(evidence.laterNote)))
                    return .object(fields)
                })))
            }
            return .object(members)
        }))])
    }

    static func entryJSON(_ entry: LedgerEntry) -> OrderedJSON {
        .object([
            ("seq", .int(entry.seq)), ("type", .string(entry.type)), ("recorded_at", .string(entry.recordedAt)),
            ("leaf_hash", .string(entry.leafHash.hex)), ("signer", .string(entry.signer)),
            ("entry", .string(String(decoding: entry.canonicalBytes, as: UTF8.self))),
        ])
    }

    static func json(_ value: OrderedJSON) -> Reply {
        Reply(status: 200, contentType: "application/json; charset=utf-8", body: value.rendered())
    }

    /// A JSON error for programs and people alike: `error` in English, `error_vi` in Vietnamese.
    static func error(_ status: Int, _ message: Message) -> Reply {
        Reply(status: status, contentType: "application/json; charset=utf-8",
              body: OrderedJSON.object([("error", .string(Localizer.english.render(message))),
                                        ("error_vi", .string(vietnamese.render(message)))]).rendered())
    }

    static func notALotCode(_ text: String) -> Reply {
        error(400, Message("'{value}' is not a lot code: {rule}", ["value": .text(EntryValidator.printable(text)), "rule": .message(Identifiers.lotCodeRule)]))
    }

    private static let vietnamese = (try? Localizer.bundled(.vietnamese)) ?? .english

    /// RFC 3339 in UTC with milliseconds (the ledger's own form, made without Foundation's slow formatters).
    static func timestamp(_ date: Date) -> String {
        LedgerTime.format(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// `agritrace province --listen`: the aggregator's rounds and its HTTP API in one process.
public enum ProvinceServer {
    /// The C2SP tlog-witness submission path, answered when the aggregator has a witness key.
    public static let addCheckpointPath = "/add-checkpoint"

    /// Serves `site` on `host:port` until SIGINT/SIGTERM; `onListening` gets the bound port.
    /// With `witness` (the aggregator's, state in PostgreSQL) cooperatives can also ask it to cosign
    /// at `POST /add-checkpoint`, as `agritrace witness serve` answers them.
    public static func run(site: ProvinceSite, witness: TlogWitness? = nil, host: String, port: Int, logger: Logger,
                           onListening: @escaping @Sendable (Int) -> Void) async throws {
        // The idle timeout is CachedAnswerHandler's: Hummingbird's does not see the requests it answers.
        let app = Application(
            responder: SiteResponder(site: site, witness: witness.map { WitnessResponder(witness: $0, path: addCheckpointPath) }),
            server: .http1(configuration: .init(additionalChannelHandlers: [
                ConnectionGuard(allow: witness == nil ? "GET, HEAD" : "GET, HEAD, POST"),
                CachedAnswerHandler(serverName: serverName, idleTimeout: .seconds(15)) { request, path, query in
                    site.keptAnswer(method: request.method.rawValue, path: path, query: query, accept: request.headerFields[.accept])
                },
            ], idleTimeout: nil)),
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService()
    }

    static let serverName = "agritrace-province"

    struct SiteResponder: HTTPResponder {
        typealias Context = BasicRequestContext
        let site: ProvinceSite
        let witness: WitnessResponder?

        func respond(to request: Request, context: Context) async throws -> Response {
            // The target as sent, not Hummingbird's `URI`: every server splits it the one way (RequestTarget).
            let (path, query) = RequestTarget.split(request.head.path ?? "")
            if let witness, path == ProvinceServer.addCheckpointPath { return try await witness.respond(to: request, context: context) }
            let reply = await site.reply(method: request.method.rawValue, path: path, query: query,
                                         accept: request.headers[.accept], acceptLanguage: request.headers[.acceptLanguage])
            return Response(status: .init(code: reply.status), headers: reply.headerFields,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
    }
}

extension ProvinceSite.Reply {
    /// Its headers on the wire but Content-Length (Hummingbird's responder adds it), Date and Server.
    var headerFields: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if status == 405 { headers[.allow] = "GET, HEAD" }
        if let contentSecurityPolicy {
            headers[.contentSecurityPolicy] = contentSecurityPolicy
            headers[.xContentTypeOptions] = "nosniff"
            headers[.vary] = "Accept, Accept-Language"
        }
        headers[.cacheControl] = "no-cache"
        headers[.accessControlAllowOrigin] = "*"
        return headers
    }

    /// The whole answer as `ProvinceServer` writes it, to be written again without the responder.
    var wire: WireAnswer {
        var headers = headerFields
        headers[.contentLength] = String(body.utf8.count)
        return WireAnswer(head: HTTPResponse(status: .init(code: status), headerFields: headers), body: ByteBuffer(string: body))
    }

    /// A kept answer back as `reply` gives it (its body copied out of the buffer).
    init(_ wire: WireAnswer) {
        self.init(status: wire.head.status.code, contentType: wire.head.headerFields[.contentType] ?? "",
                  body: String(buffer: wire.body), contentSecurityPolicy: wire.head.headerFields[.contentSecurityPolicy])
    }
}
