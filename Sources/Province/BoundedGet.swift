import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 GET with hard bounds: the answer is read only up to `limit` body bytes, and the
/// whole exchange (connect, TLS, headers, body) ends by the deadline, whatever the server does.
/// FoundationNetworking's URLSession on Linux gave neither: a server answering 200 and then
/// sending bytes for ever (or one a second) held the round for ever, buffering all it sent, and a
/// cancelled transfer was still read for a minute. Here the connection is closed the moment the
/// limit or the deadline is passed.
public enum BoundedGet {
    /// TLS for https base URLs, with the system's trusted roots; made once (loading the roots is slow).
    private static let tls: Result<NIOSSLContext, any Error> = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    /// The body of a 200 answer to GET `url`, or a `FetchError` saying what went wrong.
    public static func body(of url: URL, limit: Int, timeout: Duration) async throws -> [UInt8] {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let named = components.host, !named.isEmpty else {
            throw FetchError(.notAURL, url: url.absoluteString)
        }
        let host = named.hasPrefix("[") && named.hasSuffix("]") ? String(named.dropFirst().dropLast()) : named
        let defaultPort = scheme == "https" ? 443 : 80
        let port = components.port ?? defaultPort
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        if let query = components.percentEncodedQuery { path += "?" + query }
        let isIPAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (port == defaultPort ? "" : ":\(port)")
        let tlsContext: NIOSSLContext?
        if scheme == "https" {
            do { tlsContext = try tls.get() } catch { throw FetchError(.cannotConnect(String(describing: error)), url: url.absoluteString) }
        } else {
            tlsContext = nil
        }

        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: hostHeader)
        head.headers.add(name: "User-Agent", value: "agritrace-province")
        head.headers.add(name: "Accept-Encoding", value: "identity")
        head.headers.add(name: "Connection", value: "close")

        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let exchange = Exchange(url: url.absoluteString, limit: limit, timeout: timeout, eventLoop: eventLoop)
        let handler = ResponseHandler(exchange: exchange, head: head)
        let timeoutAmount = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let sniHost: String? = isIPAddress ? nil : host
        eventLoop.execute {
            exchange.startTimer(after: timeoutAmount)
            ClientBootstrap(group: eventLoop)
                .connectTimeout(timeoutAmount)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: sniHost))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port)
                .whenComplete { result in
                    switch result {
                    case .success(let channel): exchange.connected(channel)
                    case .failure(let error): exchange.finish(FetchError.connecting(error, url: url.absoluteString))
                    }
                }
        }
        return try await withTaskCancellationHandler {
            try await exchange.promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { exchange.finish(CancellationError()) }
        }
    }
}

/// The state of one GET, touched only on its event loop: the first outcome (answer, error, limit,
/// deadline, cancellation) completes the promise and closes the connection; later ones are dropped.
private final class Exchange: @unchecked Sendable {
    let url: String
    let limit: Int
    let timeout: Duration
    let eventLoop: any EventLoop
    let promise: EventLoopPromise<[UInt8]>
    private var channel: (any Channel)?
    private var timer: Scheduled<Void>?
    private var done = false
    private var body: [UInt8] = []

    init(url: String, limit: Int, timeout: Duration, eventLoop: any EventLoop) {
        self.url = url
        self.limit = limit
        self.timeout = timeout
        self.eventLoop = eventLoop
        promise = eventLoop.makePromise()
    }

    func startTimer(after amount: TimeAmount) {
        eventLoop.preconditionInEventLoop()
        timer = eventLoop.scheduleTask(in: amount) { [self] in
            finish(FetchError(.noCompleteAnswer(seconds: timeout.components.seconds), url: url))
        }
    }

    func connected(_ channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        if done { channel.close(promise: nil) } else { self.channel = channel }
    }

    func received(_ bytes: ByteBuffer) {
        guard !done else { return }
        guard body.count + bytes.readableBytes <= limit else {
            finish(FetchError(.tooLarge(limit: limit), url: url))
            return
        }
        body.append(contentsOf: bytes.readableBytesView)
    }

    /// The body read so far when `failure` is nil (the answer ended), else `failure`.
    func finish(_ failure: (any Error)?) {
        eventLoop.preconditionInEventLoop()
        guard !done else { return }
        done = true
        timer?.cancel()
        if let failure { promise.fail(failure) } else { promise.succeed(body) }
        body = []
        channel?.close(promise: nil)
        channel = nil
    }
}

private final class ResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let exchange: Exchange
    let head: HTTPRequestHead

    init(exchange: Exchange, head: HTTPRequestHead) {
        self.exchange = exchange
        self.head = head
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            guard response.status == .ok else {
                exchange.finish(FetchError(.httpStatus(Int(response.status.code)), url: exchange.url))
                return
            }
            // A declared length over the limit is refused before any of the body is read.
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > exchange.limit {
                exchange.finish(FetchError(.tooLarge(limit: exchange.limit), url: exchange.url))
            }
        case .body(let bytes):
            exchange.received(bytes)
        case .end:
            exchange.finish(nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        exchange.finish(FetchError.connecting(error, url: exchange.url))
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange.finish(FetchError(.closedEarly, url: exchange.url))
        context.fireChannelInactive()
    }
}
