import HTTPTypes
import Localization
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// What the project's public HTTP/1.1 listeners need beyond Hummingbird 2, added to each
/// connection's pipeline (`HTTP1Channel.Configuration(additionalChannelHandlers:)`):
///
/// - A method the HTTP parser does not know (`BREW`, `get`) is answered 405 with `Allow`, as a
///   known method the server does not serve is; Hummingbird answers every parser error 400.
/// - After a response that says `Connection: close` the server stops reading: Hummingbird reads
///   the rest of the request's body before the next request, so a 413 or 405 for a large upload
///   meant receiving all of it. The connection is half-closed at once (the client sees the end
///   of the answer) and closed `lingerSeconds` later, so the answer is not lost to a reset
///   while the client is still sending.
/// - An HTTP/1.0 request without `Connection: keep-alive` is handed on with `Connection: close`
///   (`HTTP10Close`), so its connection ends with the answer as HTTP/1.0 expects: Hummingbird's
///   request type has no version, and such connections stayed open until the idle timeout.
public final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let allow: String
    private let lingerSeconds: Int64
    private var closeAfterResponse = false
    private var responseStarted = false

    /// `allow`: the `Allow` header of the 405 for an unknown method, e.g. "GET, HEAD, OPTIONS".
    public init(allow: String, lingerSeconds: Int64 = 2) {
        self.allow = allow
        self.lingerSeconds = lingerSeconds
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        // Where the HTTP/1 version is still known: right after the request decoder.
        let pipeline = context.pipeline.syncOperations
        if let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            try? pipeline.addHandler(HTTP10Close(), position: .after(decoder))
        }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .invalidMethod, !responseStarted else {
            context.fireErrorCaught(error)
            return
        }
        // Not passed on, or Hummingbird would answer 400 too. The parser stops at an error, so
        // the connection ends with this answer.
        // Both languages: a request with an unknown method carries no Accept-Language we could read.
        let message = Message("this method is not allowed here: use {allow}", ["allow": .text(allow)])
        let body = ByteBuffer(string: RequestTarget.inBothLanguages(message))
        var head = HTTPResponse(status: .methodNotAllowed)
        head.headerFields[.allow] = allow
        head.headerFields[.contentType] = "text/plain; charset=utf-8"
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        closeAfter(context: context, flushing: wrapOutboundOut(.end(nil)), promise: nil)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.status.kind != .informational {
                responseStarted = true
                closeAfterResponse = head.headerFields[.connection]?.lowercased() == "close"
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            responseStarted = false
            guard closeAfterResponse else { return context.write(data, promise: promise) }
            closeAfterResponse = false
            closeAfter(context: context, flushing: data, promise: promise)
        }
    }

    /// Writes and flushes `data`, then half-closes, then closes after the linger time.
    private func closeAfter(context: ChannelHandlerContext, flushing data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = promise ?? context.eventLoop.makePromise()
        context.writeAndFlush(data, promise: written)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let linger = TimeAmount.seconds(lingerSeconds)
        written.futureResult.whenComplete { _ in
            let context = loopBound.value
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }
}

/// Marks an HTTP/1.0 request that does not ask to keep the connection with `Connection: close`.
final class HTTP10Close: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), head.version == .http1_0, !head.isKeepAlive else {
            return context.fireChannelRead(data)
        }
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
