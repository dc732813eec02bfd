import Foundation
import Hummingbird
import HTTPTypes
import Logging
import MerkleLog
import NIOCore
import ServerSupport

/// `agritrace serve`: the public read-only web server over a ledger, on Hummingbird 2.
public enum LedgerServer {
    public struct Options: Sendable {
        public var ledgerPath: String
        public var host: String
        public var port: Int
        public var trust: TrustList?
        /// Grade code → language tag → name (the grading policy's `grade_names`); pages show
        /// the name in the page's language, the code when there is none.
        public var gradeNames: [String: [String: String]] = [:]
        /// An idle or slow connection is closed after this long.
        public var idleTimeoutSeconds: Int64 = 15
        /// Bounds of the in-memory caches of full tiles and of rendered lot pages.
        public var tileCacheBytes = PublicSite.defaultTileCacheBytes
        public var pageCacheBytes = PublicSite.defaultPageCacheBytes

        public init(ledgerPath: String, host: String = "127.0.0.1", port: Int = 8080, trust: TrustList? = nil) {
            self.ledgerPath = ledgerPath
            self.host = host
            self.port = port
            self.trust = trust
        }
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight and returns.
    /// `onListening` receives the bound port (useful with port 0).
    public static func run(_ options: Options, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let readers = try LedgerReaders(path: options.ledgerPath)
        let site = try PublicSite(readers: readers, trust: options.trust, gradeNames: options.gradeNames,
                                  tileCacheBytes: options.tileCacheBytes, pageCacheBytes: options.pageCacheBytes)
        var logger = Logger(label: "agritrace.serve")
        logger.logLevel = .warning
        // The idle timeout is CachedAnswerHandler's: Hummingbird's does not see the requests it answers.
        let idle = TimeAmount.seconds(options.idleTimeoutSeconds)
        let app = Application(
            responder: SiteResponder(site: site),
            server: .http1(configuration: .init(additionalChannelHandlers: [
                ConnectionGuard(allow: PublicSite.methods),
                CachedAnswerHandler(serverName: serverName, idleTimeout: idle) { request, path, query in
                    site.cachedAnswer(method: request.method.rawValue, path: path, query: query, acceptLanguage: request.headerFields[.acceptLanguage])
                },
            ], idleTimeout: nil)),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: serverName),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? options.port) },
            logger: logger)
        try await app.runService()
    }

    static let serverName = "agritrace"

    /// Runs `run` from synchronous code (the command line) and returns when the server stops.
    public static func runBlocking(_ options: Options, onListening: @escaping @Sendable (Int) -> Void) throws {
        let outcome = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await run(options, onListening: onListening) } catch { outcome.set(error) }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: (any Error)?
        func set(_ error: any Error) { lock.lock(); stored = error; lock.unlock() }
        var error: (any Error)? { lock.lock(); defer { lock.unlock() }; return stored }
    }
}

/// Hands each request that `CachedAnswerHandler` passed on to `PublicSite`.
struct SiteResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let site: PublicSite

    func respond(to request: Request, context: Context) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        let chunked = request.headers[.transferEncoding] != nil
        // The target as sent, split as CachedAnswerHandler splits it, not Hummingbird's `URI`: both must see the same path.
        let (path, query) = RequestTarget.split(request.head.path ?? "")
        let answer = site.answer(method: request.method.rawValue, path: path, query: query,
                                 acceptLanguage: request.headers[.acceptLanguage], bodyBytes: chunked ? Int.max : declared)
        var headers = answer.head.headerFields
        if chunked || (declared ?? 0) > 0 { headers[.connection] = "close" }   // the unread body is not drained
        let body = answer.body.readableBytes == 0 ? ResponseBody() : ResponseBody(byteBuffer: answer.body)
        return Response(status: answer.head.status, headers: headers, body: body)
    }
}
