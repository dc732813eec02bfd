import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// Each class of hostile request against a running `serve`: malformed tile paths, slow requests,
/// and a server that cannot write the ledger whatever it is sent.
@Suite(.serialized) struct ServeAbuseTests {
    /// Every way of misspelling a tile is 400 (one spelling per tile); well-formed tiles beyond the log are 404.
    @Test func malformedTilePathsAre400AndTilesBeyondTheLogAre404() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let malformed = ["/tile/0/0", "/tile/0/00", "/tile/0/0000", "/tile/0/x000/001", "/tile/0/001/", "/tile/0/x1/001", "/tile/0/-01",
                         "/tile/0/001.p/0", "/tile/0/001.p/256", "/tile/0/001.p/07", "/tile/0/001.p", "/tile/0/001.p/", "/tile/00/000",
                         "/tile/64/000", "/tile/x/000", "/tile/entries/1", "/tile/entries/x001", "/tile/entries", "/tile", "/tile/",
                         "/tile/0/x001/x002/x003/x004/x005/006", "/tile/0/001.p/1/2", "/tile/0/0a1", "/tile/0/%30%30%30"]
        for path in malformed {
            let answer = try HTTPProbe.request("GET", path, port: server.port)
            #expect(answer.status == 400, "\(path) answered \(answer.status)")
        }
        for path in ["/tile/0/001", "/tile/1/000", "/tile/entries/000.p/200", "/tile/2/000.p/1", "/tile/0/x999/999"] {
            let answer = try HTTPProbe.request("GET", path, port: server.port)
            #expect(answer.status == 404, "\(path) answered \(answer.status)")
        }
        #expect(try HTTPProbe.request("GET", "/tile/0/000.p/4", port: server.port).status == 200)
    }

    /// A client that sends half a request and stalls is cut off by the idle timeout, and other
    /// clients are served meanwhile.
    @Test func aSlowRequestIsClosedWhileOthersAreServed() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        #expect(connected)
        let partial = Array("GET /lot/LOT-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8)
        _ = partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        #expect(try HTTPProbe.request("GET", "/lot/LOT-1", port: server.port).status == 200, "another client waits behind the slow one")
        var timeout = timeval(tv_sec: 40, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var received = 0
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += n
        }
        let waited = Date().timeIntervalSince(start)
        #expect(waited < 30, "the stalled connection stayed open \(waited) s")
        #expect(received == 0 || String(decoding: buffer.prefix(received), as: UTF8.self).hasPrefix("HTTP/1.1 4"),
                "a stalled request gets no 2xx")
    }

    /// Nothing on the public port can write: the server holds the ledger file open read-only, so no
    /// request, however crafted, reaches a writable descriptor of it. (SQLite opens the write-ahead
    /// log and its index read-write for any WAL reader; a read-only connection never writes pages.)
    @Test func theServerHoldsTheLedgerReadOnly() throws {
        let site = try ServeCommandTests.Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        // Requests that read the ledger, so its files are open.
        for path in ["/lot/LOT-1", "/lot/LOT-1/proof", "/checkpoint", "/tile/0/000.p/4", "/tile/entries/000.p/4"] {
            #expect(try HTTPProbe.request("GET", path, port: server.port).status == 200, "\(path)")
        }
        let database = URL(fileURLWithPath: site.db).resolvingSymlinksInPath().path
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/fd") {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(server.pid)/fd/\(name)"),
                  target == database else { continue }
            let info = try String(contentsOfFile: "/proc/\(server.pid)/fdinfo/\(name)", encoding: .utf8)
            let flags = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap { Int($0.split(separator: "\t").last ?? "", radix: 8) })
            #expect(flags & Int(O_ACCMODE) == Int(O_RDONLY), "\(target) is open with flags \(String(flags, radix: 8))")
            checked += 1
        }
        #expect(checked >= 1, "the server has no descriptor on the ledger")
    }
}
