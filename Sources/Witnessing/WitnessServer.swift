import Foundation
import Hummingbird
import HTTPTypes
import Localization
import Logging
import MerkleLog
import NIOCore
import ServerSupport

/// `agritrace witness serve`: a `TlogWitness` behind HTTP on Hummingbird 2. One route,
/// `POST <prefix>/add-checkpoint`; every other path is 404 (a malformed target 400, as on every
/// server) and every other method on it 405.
public enum WitnessServer {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        /// The submission prefix, "" or starting with "/" (e.g. "/witness").
        public var prefix: String
        public var idleTimeoutSeconds: Int64 = 15

        public init(host: String = "127.0.0.1", port: Int = 8081, prefix: String = "") {
            self.host = host
            self.port = port
            self.prefix = prefix
        }
    }

    /// Serves until SIGINT or SIGTERM; `onListening` receives the bound port.
    public static func run(_ witness: TlogWitness, options: Options, onListening: @escaping @Sendable (Int) -> Void) async throws {
        var logger = Logger(label: "agritrace.witness")
        logger.logLevel = .warning
        let app = Application(
            responder: WitnessResponder(witness: witness, path: options.prefix + "/add-checkpoint"),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(allow: "POST")],
                                                idleTimeout: .seconds(options.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "agritrace-witness"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? options.port) },
            logger: logger)
        try await app.runService()
    }
}

/// The HTTP side of `TlogWitness.addCheckpoint`: method, path and body size, then the witness decides.
public struct WitnessResponder: HTTPResponder {
    public typealias Context = BasicRequestContext
    let witness: TlogWitness
    let path: String

    /// `path` is the full `add-checkpoint` path, e.g. "/add-checkpoint".
    public init(witness: TlogWitness, path: String) {
        self.witness = witness
        self.path = path
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        // Checked as every server checks its targets; then only the exact path is the witness's.
        let target: RequestTarget
        do { target = try RequestTarget(request.head.path ?? "") } catch {
            var response = Self.response(WitnessReply(status: error.status, contentType: "text/plain; charset=utf-8",
                                                      body: RequestTarget.inBothLanguages(error.message)))
            response.headers[.connection] = "close"   // any body was not read
            return response
        }
        guard target.path == path else { return Self.response(.text(404, Message("not found: the witness answers POST {path}", ["path": .text(path)]))) }
        guard request.method == .post else {
            var response = Self.response(.text(405, Message("{path} takes POST", ["path": .text(path)])))
            response.headers[.allow] = "POST"
            response.headers[.connection] = "close"   // any body was not read
            return response
        }
        let limit = AddCheckpointRequest.maxBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            var response = Self.response(.text(413, Message("the request body is larger than {limit} bytes", ["limit": .integer(limit)])))
            response.headers[.connection] = "close"
            return response
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            var response = Self.response(.text(413, Message("the request body is larger than {limit} bytes", ["limit": .integer(limit)])))
            response.headers[.connection] = "close"
            return response
        }
        let reply = await witness.addCheckpoint(Array(buffer: body), timestamp: UInt64(Date().timeIntervalSince1970))
        return Self.response(reply)
    }

    static func response(_ reply: WitnessReply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: .init(code: reply.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }
}
