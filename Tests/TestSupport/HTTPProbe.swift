import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw HTTP/1.1 exchange over a loopback socket, so tests can send what no well-behaved client
/// would (unknown methods, traversal, oversized heads, bodies on GET) and read the answer as sent.
public enum HTTPProbe {
    public struct Answer: Sendable {
        public let status: Int
        /// Header names lower-cased.
        public let headers: [String: String]
        public let body: [UInt8]
        /// Every Set-Cookie header, in order (`headers` keeps only one per name).
        public let setCookies: [String]
        /// The server closed the connection (or half-closed it) before the read timed out.
        public let closedByServer: Bool
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Sends `request` (bytes as given) to 127.0.0.1:`port` and reads until the server closes.
    /// The default wait is long: in the full parallel run, tests blocking Swift's cooperative threads
    /// can delay a server's answer in this process by a minute; status codes are checked, not speed.
    public static func exchange(_ request: [UInt8], port: Int, timeoutSeconds: Int = 120) throws -> Answer {
        let fd = try connection(port: port, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        send(request, on: fd)
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var closedByServer = false
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { closedByServer = true }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        guard let split = received.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw Failure(description: "no HTTP answer (\(received.count) bytes: \(String(decoding: received.prefix(200), as: UTF8.self)))")
        }
        let head = String(decoding: received[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(head[0])") }
        var headers: [String: String] = [:]
        var setCookies: [String] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased(), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
            if name == "set-cookie" { setCookies.append(value) }
        }
        return Answer(status: status, headers: headers, body: Array(received[split.upperBound...]), setCookies: setCookies,
                      closedByServer: closedByServer)
    }

    /// A connected loopback socket (reads time out after `timeoutSeconds`), for a test that stops
    /// mid-request; the caller closes it.
    public static func connection(port: Int, timeoutSeconds: Int = 120) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(fd)
            throw Failure(description: "cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    /// Writes `bytes` to `fd`, stopping early if the server closes (it may answer before reading everything).
    public static func send(_ bytes: [UInt8], on fd: Int32) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }

    /// Sends the requests `METHOD target` (each with Host and `extraHeaders`; the last one with
    /// `Connection: close`) on one keep-alive connection in one write, and splits what comes back
    /// into the answers, in order, by their Content-Length (HEAD answers: no body).
    public static func pipelined(_ requests: [(method: String, target: String)], port: Int, extraHeaders: [String] = []) throws -> [Answer] {
        var bytes = [UInt8]()
        for (index, request) in requests.enumerated() {
            let close = index == requests.count - 1 ? ["Connection: close"] : []
            let head = ["\(request.method) \(request.target) HTTP/1.1", "Host: 127.0.0.1:\(port)"] + extraHeaders + close
            bytes += Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        }
        let whole = try exchange(bytes, port: port)
        // `exchange` split off the first head; put the stream back together and split every answer.
        var rest = Array("HTTP/1.1 \(whole.status) \r\n".utf8) + whole.headers.map { Array("\($0.key): \($0.value)\r\n".utf8) }.joined()
            + Array("\r\n".utf8) + whole.body
        var answers: [Answer] = []
        for request in requests {
            guard let split = rest.firstRange(of: Array("\r\n\r\n".utf8)) else {
                throw Failure(description: "answer \(answers.count + 1) of \(requests.count) is missing")
            }
            let head = String(decoding: rest[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let statusParts = head[0].split(separator: " ")
            guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(head[0])") }
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = request.method == "HEAD" ? 0 : Int(headers["content-length"] ?? "") ?? 0
            let bodyStart = split.upperBound
            guard rest.count >= bodyStart + length else { throw Failure(description: "answer \(answers.count + 1) is cut short") }
            answers.append(Answer(status: status, headers: headers, body: Array(rest[bodyStart..<bodyStart + length]), setCookies: [],
                                  closedByServer: whole.closedByServer))
            rest = Array(rest[(bodyStart + length)...])
        }
        guard rest.isEmpty else { throw Failure(description: "\(rest.count) bytes after the last answer") }
        return answers
    }

    /// Announces a body of `announced` bytes (nil: chunked, one chunk that size) on a connection
    /// kept alive, sends only its first 128 KiB and waits up to `patienceSeconds`: a server that
    /// refused the body answers and closes at once; one that reads on waits for bytes that never come.
    public static func unfinishedUpload(_ method: String, _ target: String, port: Int, announced: Int?, patienceSeconds: Int = 5) throws -> Answer {
        let framing = announced.map { "Content-Length: \($0)" } ?? "Transfer-Encoding: chunked"
        let head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(framing)\r\n\r\n"
        let chunk = announced == nil ? String(100_000_000, radix: 16) + "\r\n" : ""
        return try exchange(Array((head + chunk).utf8) + [UInt8](repeating: 0x61, count: 131_072), port: port, timeoutSeconds: patienceSeconds)
    }

    /// `METHOD target HTTP/1.1` with Host and `Connection: close`, plus `extraHeaders` lines.
    public static func request(_ method: String, _ target: String, port: Int, extraHeaders: [String] = [], body: String = "") throws -> Answer {
        let head = ["\(method) \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"] + extraHeaders
        return try exchange(Array((head.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8), port: port)
    }

    /// `request` on a thread of its own, for async tests of a server running in the same process:
    /// waiting on the socket there would hold one of the cooperative pool's threads (two on a
    /// 2-core machine), which that server and other tests' servers need to answer at all.
    public static func requestOffPool(_ method: String, _ target: String, port: Int, extraHeaders: [String] = [], body: String = "") async throws -> Answer {
        try await offPool { try request(method, target, port: port, extraHeaders: extraHeaders, body: body) }
    }

    /// Runs blocking socket work on a thread of its own: inside an async test it would hold one of
    /// the few threads of Swift's shared pool (two on a 2-core machine), which an in-process server
    /// needs to answer. Check the answers back on the test's task.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
