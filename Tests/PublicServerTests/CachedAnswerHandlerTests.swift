import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import PublicServer
import Testing

/// `CachedAnswerHandler` reads no more requests while the connection cannot take more output:
/// a client that sends requests and never reads the answers must not make the server keep them.
@Suite struct CachedAnswerHandlerTests {
    /// Counts the reads that reach the socket's end of the pipeline.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Never
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    static func channel() throws -> (EmbeddedChannel, ReadCounter) {
        let counter = ReadCounter()
        let answer = WireAnswer(head: HTTPResponse(status: .ok, headerFields: [.contentLength: "5"]), body: ByteBuffer(string: "kept\n"))
        let handler = CachedAnswerHandler(serverName: "test", idleTimeout: .seconds(60)) { _, path, _ in path == "/kept" ? answer : nil }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(handler)
        return (channel, counter)
    }

    @Test func readsWaitWhileTheAnswersWrittenCannotDrain() throws {
        let (channel, counter) = try Self.channel()
        channel.read()
        #expect(counter.reads == 1)

        // The output backs up (the client reads nothing): the next read waits, also through a
        // writability change that leaves it backed up, and the answer asked for is still written.
        channel.isWritable = false
        channel.read()
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 1)
        // Requests read before the output backed up wait unanswered (kept and passed-on ones alike).
        for path in ["/kept", "/other", "/kept"] {
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "x", path: path)))
            try channel.writeInbound(HTTPRequestPart.end(nil))
        }
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)

        // Once it drains below the low-water mark: the first waiting request is answered here,
        // the second is passed on, and so is the third (answered here, it would overtake the
        // second's answer); the held read goes out once nothing waits.
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        guard case .head(let head) = try channel.readOutbound(as: HTTPResponsePart.self) else { Issue.record("no answer head"); return }
        #expect(head.status == .ok)
        guard case .head(let passedOn) = try channel.readInbound(as: HTTPRequestPart.self) else { Issue.record("not passed on"); return }
        #expect(passedOn.path == "/other")
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        guard case .head(let third) = try channel.readInbound(as: HTTPRequestPart.self) else { Issue.record("third not passed on"); return }
        #expect(third.path == "/kept")
        #expect(counter.reads == 2)
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2)
        channel.read()
        #expect(counter.reads == 3)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
