import Foundation
import Hummingbird
import HTTPTypes
import LedgerStore
import Localization
import Logging
import MerkleLog
import NIOCore
import ServerSupport
import Witnessing

/// `agritrace serve --console`: the cooperative's private console on its own listener (localhost
/// by default), beside the public pages. It holds the signing key in memory and signs only in
/// this process; no page or answer ever carries it.
public enum ConsoleServer {
    public struct Options: Sendable {
        public var ledgerPath: String
        public var accountsPath: String
        /// Uploads and the grading jobs' files.
        public var workDirectory: String
        public var host: String
        public var port: Int
        public var signer: NoteSigner
        /// Largest upload accepted (stated on the page before uploading).
        public var maxUploadBytes: Int
        /// Uploads waiting or being graded at most: each is kept on disk until graded, so more are
        /// refused (named, nothing recorded) until one has ended.
        public var maxQueuedJobs = Options.defaultMaxQueuedJobs
        public static let defaultMaxQueuedJobs = 10
        /// Threads grading a job.
        public var gradingThreads: Int
        /// Witnesses asked to cosign each checkpoint signed from the console.
        public var witnesses: [WitnessEndpoint]
        /// Seconds to wait for each witness request.
        public var witnessTimeoutSeconds: Double
        /// The public server's address (`serve --base-url`): labels printed here hold the lot's
        /// page there; without it they hold the lot's GS1 Digital Link or URN, as `label` does.
        public var labelBaseURL: String? = nil

        /// The largest upload accepted unless `serve --console-upload-limit` says otherwise.
        public static let defaultMaxUploadBytes = 256 << 20

        public init(ledgerPath: String, accountsPath: String, workDirectory: String, host: String = "127.0.0.1", port: Int = 8081,
                    signer: NoteSigner, maxUploadBytes: Int = Options.defaultMaxUploadBytes,
                    gradingThreads: Int = ProcessInfo.processInfo.activeProcessorCount, witnesses: [WitnessEndpoint] = [],
                    witnessTimeoutSeconds: Double = 30) {
            self.ledgerPath = ledgerPath
            self.accountsPath = accountsPath
            self.workDirectory = workDirectory
            self.host = host
            self.port = port
            self.signer = signer
            self.maxUploadBytes = maxUploadBytes
            self.gradingThreads = gradingThreads
            self.witnesses = witnesses
            self.witnessTimeoutSeconds = witnessTimeoutSeconds
        }
    }

    /// The uploads folder for a ledger: `coop.db` → `coop.console-work`, beside it.
    public static func defaultWorkDirectory(forLedger ledger: String) -> String {
        let url = URL(fileURLWithPath: ledger)
        return url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".console-work").path
    }

    /// Opens the accounts, resumes unfinished grading jobs, and serves until SIGINT or SIGTERM.
    public static func run(_ options: Options, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let site = try ConsoleSite(options: options)
        site.jobs.resumeUnfinished()
        var logger = Logger(label: "agritrace.console")
        logger.logLevel = .warning
        let app = Application(
            responder: ConsoleResponder(site: site),
            // Long enough for a large upload on a slow link; progress streams send every half second.
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(allow: ConsoleSite.methods)], idleTimeout: .seconds(120))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "agritrace-console"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? options.port) },
            logger: logger)
        try await app.runService()
    }
}

/// Hands each request to `ConsoleSite`.
struct ConsoleResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let site: ConsoleSite

    func respond(to request: Request, context: Context) async throws -> Response {
        // The target as sent, not Hummingbird's `URI`: every server splits it the one way (RequestTarget).
        let (path, query) = RequestTarget.split(request.head.path ?? "")
        let incoming = ConsoleRequest(
            method: request.method.rawValue, path: path, query: query ?? "",
            cookies: HTTPForms.cookies(request.headers[.cookie]), acceptLanguage: request.headers[.acceptLanguage],
            contentType: request.headers[.contentType] ?? "",
            contentLength: request.headers[.contentLength].flatMap { Int($0) },
            csrfHeader: HTTPField.Name("X-CSRF-Token").flatMap { request.headers[$0] },
            origin: request.headers[.origin], body: request.body)
        let reply = await site.reply(incoming)
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        headers[.cacheControl] = reply.cacheControl ?? "no-store"
        for (name, value) in reply.headers + ConsoleSite.securityHeaders {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        switch reply.body {
        case .bytes(let bytes):
            return Response(status: .init(code: reply.status), headers: headers,
                            body: bytes.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let events):
            return Response(status: .init(code: reply.status), headers: headers, body: ResponseBody(asyncSequence: events))
        }
    }
}

/// One request, as the console's routing sees it.
struct ConsoleRequest: Sendable {
    var method: String
    var path: String
    var query: String
    var cookies: [String: String]
    var acceptLanguage: String?
    var contentType: String
    var contentLength: Int?
    var csrfHeader: String?
    var origin: String?
    var body: RequestBody

    /// Largest url-encoded form body: no console form needs more (a review reason is at most
    /// 4,096 characters, 36 KiB percent-encoded).
    static let maxFormBytes = 64 << 10

    /// The form fields of a url-encoded body; a larger one is `FormTooLarge`.
    func form() async throws -> [String: [String]] {
        guard contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        if let contentLength, contentLength > Self.maxFormBytes { throw FormTooLarge() }
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: Self.maxFormBytes) } catch is NIOTooManyBytesError { throw FormTooLarge() } catch {
            throw FormUnreadable()   // a malformed chunked body, say: the HTTP parser's words are English
        }
        return try HTTPForms.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }
}

/// A form body over `ConsoleRequest.maxFormBytes`: answered 413 in the user's language.
struct FormTooLarge: LocalizableError {
    var message: Message {
        Message("The form sent is larger than {limit} KiB, the most the console takes. Go back, shorten what you typed and send it again.",
                context: "console", ["limit": .integer(ConsoleRequest.maxFormBytes >> 10)])
    }
}

/// A form body that did not arrive as HTTP allows: answered 400 in the user's language.
struct FormUnreadable: LocalizableError {
    var message: Message {
        Message("The form did not arrive whole or is not valid HTTP; nothing was recorded. Reload the page and send it again.", context: "console")
    }
}

/// One answer.
struct ConsoleReply: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        /// Server-sent events, sent as they come until the stream ends.
        case stream(AsyncThrowingStream<ByteBuffer, any Error>)
    }

    var status: Int
    var contentType: String
    var body: Body
    var headers: [(String, String)] = []
    /// Pages are never stored; a reply whose bytes cannot change (a thumbnail) may say otherwise.
    var cacheControl: String?

    static func html(_ status: Int, _ page: String) -> ConsoleReply {
        ConsoleReply(status: status, contentType: "text/html; charset=utf-8", body: .bytes(Array(page.utf8)),
                     headers: [("Content-Security-Policy", ConsolePage.policy)])
    }

    static func redirect(_ location: String, cookies: [String] = []) -> ConsoleReply {
        ConsoleReply(status: 303, contentType: "text/plain; charset=utf-8", body: .bytes([]),
                     headers: [("Location", location)] + cookies.map { ("Set-Cookie", $0) })
    }

    static func json(_ status: Int, _ object: [String: Any]) -> ConsoleReply {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ConsoleReply(status: status, contentType: "application/json", body: .bytes(Array(data)))
    }
}
