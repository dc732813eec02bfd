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
/// A site may also compute answers here (`compute`): the work then runs as a task whose jobs run
/// on this connection's event loop (`EventLoopTaskExecutor`), and its answer is written from there.
/// A fresh province answer cost four thread hand-overs through Hummingbird's responder (event
/// loop, concurrency pool, the database connection's loop, the pool again, back to the event
/// loop) besides the responder's own work; on the event loop it needs at most two.
///
/// Answers stay in request order: a request is answered here only when every earlier one on
/// the connection has been answered, and the requests after one computed here wait (no further
/// reads) until it is written. As Hummingbird's connection state handler no longer sees the
/// requests answered here, this handler also closes idle connections (Hummingbird's idle
/// timeout is off): after `idleTimeout` without a request part while no answer is pending,
/// and a request left half-sent for that long.
public final class CachedAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart
    public typealias Lookup = @Sendable (_ request: HTTPRequest, _ path: String, _ query: String?) -> WireAnswer?
    /// The work that answers this request, or nil to pass it on; like `Lookup`, runs on the event loop.
    public typealias Compute = @Sendable (_ request: HTTPRequest, _ path: String, _ query: String?) -> (@Sendable () async -> WireAnswer)?

    private let lookup: Lookup
    private let compute: Compute?
    /// An answer is being computed here: later request parts wait in `held`, reads in `readHeld`.
    private var computing = false
    private var held = [HTTPRequestPart]()
    private var readHeld = false
    private var executor: EventLoopTaskExecutor?
    private let serverName: String
    private let idleTimeout: TimeAmount
    /// Requests passed on whose answers are not written completely yet.
    private var passedOn = 0
    /// The rest of the current request (its end) is dropped: it was answered here.
    private var dropping = false
    /// A request's head was read but not its end.
    private var readingRequest = false
    private var lastActivity = NIODeadline.now()
    private var idleTask: Scheduled<Void>?

    public init(serverName: String, idleTimeout: TimeAmount, lookup: @escaping Lookup, compute: Compute? = nil) {
        self.lookup = lookup
        self.compute = compute
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
        held = []
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        receive(unwrapInboundIn(data), context: context)
    }

    private func receive(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        // The rest of the request being computed is dropped below; anything after it waits.
        if computing && !dropping {
            held.append(part)
            return
        }
        switch part {
        case .head(let request):
            readingRequest = true
            if passedOn == 0, let target = answerable(request) {
                if let answer = lookup(request, target.path, target.query) {
                    dropping = true
                    write(answer, context: context)
                    return
                }
                if let work = compute?(request, target.path, target.query) {
                    dropping = true
                    start(work, context: context)
                    return
                }
            }
            dropping = false
            passedOn += 1
            context.fireChannelRead(wrapInboundOut(part))
        case .body:
            if !dropping { context.fireChannelRead(wrapInboundOut(part)) }
        case .end:
            readingRequest = false
            if dropping { dropping = false } else { context.fireChannelRead(wrapInboundOut(part)) }
        }
    }

    /// Only requests without a body: their whole answer is known from the head.
    private func answerable(_ request: HTTPRequest) -> (path: String, query: String?)? {
        guard request.headerFields[.transferEncoding] == nil,
              (request.headerFields[.contentLength].flatMap { Int($0) } ?? 0) == 0,
              request.headerFields[.connection]?.lowercased() != "close",
              let target = request.path else { return nil }
        return RequestTarget.split(target)
    }

    private func write(_ answer: WireAnswer, context: ChannelHandlerContext) {
        var head = answer.head
        head.headerFields[.date] = HTTPDate.shared.now
        head.headerFields[.server] = serverName
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(answer.body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func start(_ work: @escaping @Sendable () async -> WireAnswer, context: ChannelHandlerContext) {
        computing = true
        let executor = self.executor ?? EventLoopTaskExecutor(context.eventLoop)
        self.executor = executor
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task(executorPreference: executor) {
            let answer = await work()
            executor.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.finish(answer, context: context)
            }
        }
    }

    private func finish(_ answer: WireAnswer, context: ChannelHandlerContext) {
        computing = false
        lastActivity = .now()
        guard context.channel.isActive else { return }
        write(answer, context: context)
        let parts = held
        held = []
        for part in parts { receive(part, context: context) }
        // Hummingbird hands what it read over to its task at the end of a read.
        if !parts.isEmpty { context.fireChannelReadComplete() }
        if readHeld && !computing {
            readHeld = false
            context.read()
        }
    }

    public func read(context: ChannelHandlerContext) {
        if computing { readHeld = true } else { context.read() }
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
        if (passedOn > 0 || computing) && !readingRequest {
            lastActivity = .now()
        } else if NIODeadline.now() >= lastActivity + idleTimeout {
            context.close(promise: nil)
            return
        }
        scheduleIdleCheck(context: context)
    }
}

/// Runs a task's jobs on one event loop, so a task started there does its non-blocking work
/// without a hand-over to Swift concurrency's pool and back.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
