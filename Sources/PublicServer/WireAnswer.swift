import Foundation
import HTTPTypes
import NIOCore

/// An answer ready to be written to a connection: the response head with all its headers and
/// the body in a `ByteBuffer`. Cached tiles and pages are kept in this form, so answering one
/// again copies no bytes and builds no headers (the body's storage is shared by every write).
public struct WireAnswer: Sendable {
    public var head: HTTPResponse
    public var body: ByteBuffer

    /// `head` must carry every header of the answer, Content-Length included, but Date and Server
    /// (`CachedAnswerHandler` sets them as it writes).
    public init(head: HTTPResponse, body: ByteBuffer) {
        self.head = head
        self.body = body
    }

    /// `reply` with the headers every answer carries; HEAD gets the head only.
    init(_ reply: Reply, method: String) {
        var fields = HTTPFields()
        fields.reserveCapacity(8 + reply.headers.count)
        fields[.contentType] = reply.contentType
        fields[.cacheControl] = reply.cacheControl
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        fields[.contentLength] = String(reply.body.count)
        head = HTTPResponse(status: .init(code: reply.status), headerFields: fields)
        body = method == "HEAD" || reply.body.isEmpty ? ByteBuffer() : ByteBuffer(bytes: reply.body)
    }

    /// The same answer to a HEAD request: same headers (Content-Length included), no body.
    public var headOnly: WireAnswer {
        var copy = self
        copy.body = ByteBuffer()
        return copy
    }

    /// Bytes kept in memory for it, for the caches' bounds.
    var cost: Int { body.readableBytes + SiteCaches.overheadBytes }
}

/// The `Date` header's value, formatted at most once a second (RFC 9110 IMF-fixdate); every
/// answer written outside Hummingbird's responder carries it, as Hummingbird's own do.
final class HTTPDate: @unchecked Sendable {
    static let shared = HTTPDate()
    private let lock = NSLock()
    private var second = 0
    private var text = ""

    var now: String {
        let current = time(nil)
        lock.lock()
        defer { lock.unlock() }
        if current != second || text.isEmpty {
            second = current
            text = Self.format(current)
        }
        return text
    }

    static func format(_ seconds: Int) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
