import HTTPTypes
import NIOCore
import NIOHTTPTypes
import ServerSupport

/// Answers requests whose answer a site keeps ready (the public server's full tiles and lot
/// pages, the province's JSON answers) on the connection's event loop, before Hummingbird's
/// responder: a hit then costs a cache look-up and one write of the kept head and body, without
/// the hand-over to a Swift concurrency task and back that every request through the responder
/// pays. Anything else (a miss, another route, a request with a body) is passed on unchanged.
/// The site's `lookup` tells hits from misses: it gets the request and its target as sent (split
/// by `RequestTarget.split`), runs on the event loop and so must not wait for anything.
///
/// Answers stay in request order: a request is answered here only when every earlier one on
/// the connection has been answered. As Hummingbird's connection state handler no longer sees
/// the requests answered here, this handler also closes idle connections (Hummingbird's idle
/// timeout is off): after `idleTimeout` without a request part while no answer is pending,
/// and a request left half-sent for that long.
///
/// While the connection cannot take more output (its written answers wait above the channel's
/// write-buffer high-water mark, as with a client that sends requests without reading the
/// answers), the requests already read wait here unanswered and no more are read: otherwise such
/// a client made the server hold an answer for every request it sent.
public final class CachedAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart
    public typealias Lookup = @Sendable (_ request: HTTPRequest, _ path: String, _ query: String?) -> WireAnswer?

    private let lookup: Lookup
    private let serverName: String
    private let idleTimeout: TimeAmount
    /// Requests passed on whose answers are not written completely yet.
    private var passedOn = 0
    /// The rest of the current request (its end) is dropped: it was answered here.
    private var dropping = false
    /// A request's head was read but not its end.
    private var readingRequest = false
    /// Request parts read while the output could not drain, in order, handled once it does.
    private var waiting = CircularBuffer<NIOAny>()
    /// A read asked for while the output could not drain; done once it has and nothing waits.
    private var heldRead = false
    private var lastActivity = NIODeadline.now()
    private var idleTask: Scheduled<Void>?

    public init(serverName: String, idleTimeout: TimeAmount, lookup: @escaping Lookup) {
        self.lookup = lookup
        self.serverName = serverName
        self.idleTimeout = idleTimeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleIdleCheck(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        lastActivity = .now()
        scheduleIdleCheck(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        if waiting.isEmpty && context.channel.isWritable {
            handle(context: context, data: data)
        } else {
            waiting.append(data)
        }
    }

    private func handle(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            readingRequest = true
            if passedOn == 0, let answer = cached(request) {
                dropping = true
                var head = answer.head
                head.headerFields[.date] = HTTPDate.shared.now
                head.headerFields[.server] = serverName
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(answer.body)), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            dropping = false
            passedOn += 1
            context.fireChannelRead(data)
        case .body:
            if !dropping { context.fireChannelRead(data) }
        case .end:
            readingRequest = false
            if dropping { dropping = false } else { context.fireChannelRead(data) }
        }
    }

    /// Only requests without a body: their whole answer is known from the head.
    private func cached(_ request: HTTPRequest) -> WireAnswer? {
        guard request.headerFields[.transferEncoding] == nil,
              (request.headerFields[.contentLength].flatMap { Int($0) } ?? 0) == 0,
              request.headerFields[.connection]?.lowercased() != "close",
              let target = request.path else { return nil }
        let (path, query) = RequestTarget.split(target)
        return lookup(request, path, query)
    }

    public func read(context: ChannelHandlerContext) {
        if context.channel.isWritable && waiting.isEmpty { context.read() } else { heldRead = true }
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            var handled = false
            while context.channel.isWritable, let data = waiting.popFirst() {
                handle(context: context, data: data)
                handled = true
            }
            // Parts passed on outside a read cycle reach the responder at the cycle's end.
            if handled { context.fireChannelReadComplete() }
            if heldRead && waiting.isEmpty && context.channel.isWritable {
                heldRead = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            passedOn = max(0, passedOn - 1)   // also ends Hummingbird's answer to a parse error, passed on by no one
            lastActivity = .now()
        }
        context.write(data, promise: promise)
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        guard idleTask == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTask = context.eventLoop.scheduleTask(deadline: lastActivity + idleTimeout) {
            let (handler, context) = loopBound.value
            handler.idleTask = nil
            handler.idleCheck(context: context)
        }
    }

    private func idleCheck(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        // An answer being worked on is not idleness; its end moves `lastActivity`.
        if passedOn > 0 && !readingRequest {
            lastActivity = .now()
        } else if NIODeadline.now() >= lastActivity + idleTimeout {
            context.close(promise: nil)
            return
        }
        scheduleIdleCheck(context: context)
    }
}
