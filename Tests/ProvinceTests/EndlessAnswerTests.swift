import Foundation
import Province
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A cooperative's server that starts an answer and never finishes it (bytes for ever, fast or
/// one a second, or nothing after the headers) must not hold the round: its requests end by the
/// timeout or the byte limit, the connection is dropped (the server sees it), the cooperative
/// gets a plain error, and the honest cooperatives are ingested in the same round.
@Suite struct EndlessAnswerTests {
    enum Phase: String, CaseIterable {
        /// The checkpoint itself never ends.
        case checkpoint
        /// A valid signed checkpoint, then an entry bundle that never ends.
        case bundle
    }

    static let timeoutSeconds = 2.0

    @Test(arguments: MisbehavingServer.Behaviour.neverEnding, Phase.allCases)
    func anAnswerThatNeverEndsFailsOnlyItsCooperative(_ behaviour: MisbehavingServer.Behaviour, _ phase: Phase) async throws {
        let honest = try CooperativeLedger(name: "HTX-HONEST", number: 71)
        defer { honest.directory.remove() }
        let faulty = try CooperativeLedger(name: "HTX-ENDLESS", number: 72)
        defer { faulty.directory.remove() }
        try honest.addLots(3, prefix: "H")
        try honest.checkpoint()
        try faulty.addLots(3, prefix: "E")
        try faulty.checkpoint()
        let note = phase == .bundle ? try await LedgerTileSource(path: faulty.path).checkpoint() : nil
        let server = try MisbehavingServer(behaviour, checkpoint: note)
        defer { server.close() }
        let endless = try ProvinceConfig.Cooperative(name: faulty.name, baseURL: "http://127.0.0.1:\(server.port)", key: faulty.signer.verifier)
        let honestSource = LedgerTileSource(path: honest.path)
        let config = try ProvinceConfig(cooperatives: [honest.cooperative, endless])
        // The faulty server's own request ends, stopped by the timeout or the byte limit (its code says
        // which). When is measured by the server, on its own thread: in the full parallel run, tests
        // that block Swift's cooperative threads delay every await here by minutes, while the
        // client's deadline runs on its event loop and drops the connection on time.
        let alone = HTTPTileSource(baseURL: endless.baseURL, timeoutSeconds: Self.timeoutSeconds)
        do {
            if phase == .checkpoint { _ = try await alone.checkpoint() } else { _ = try await alone.entryBundle(index: 0, width: 10) }
            Issue.record("a never-ending answer was taken")
        } catch let error as FetchError {
            #expect(error.code == (behaviour.floods ? "too_large" : "timeout"), "\(error)")
        }

        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: config, store: store, logger: ProvinceTest.logger) {
                    $0.name == faulty.name ? HTTPTileSource(baseURL: $0.baseURL, timeoutSeconds: Self.timeoutSeconds) as any TileSource : honestSource
                }
                let started = ContinuousClock.now
                let outcomes = await aggregator.runOnce()
                let took = ContinuousClock.now - started
                // The round ends (before, most of these did not); only a hang guard, for the reason above.
                #expect(took < .seconds(600), "\(took)")
                #expect(outcomes[honest.name] == .ingested(from: 0, to: 10), "\(outcomes)")
                #expect(outcomes[faulty.name]?.isFailed == true, "\(outcomes)")
                let reported = try #require(try await store.status().first { $0.name == faulty.name })
                let expected = behaviour.floods ? "larger than" : "no complete answer within 2 s"
                #expect(reported.lastError?.contains(expected) == true, "\(reported.lastError ?? "nil")")
                #expect(reported.lastErrorCode == (behaviour.floods ? "too_large" : "timeout"))
                #expect(reported.lastErrorVietnamese?.contains("đã dừng tải") == true, "\(reported.lastErrorVietnamese ?? "nil")")
                #expect(reported.treeSize == 0)
            }
            try expectStored(database, cooperative: honest.name, ledger: honest)
        }
        // The transfer was really dropped, not left running: the server's writes fail soon after.
        let deadline = ContinuousClock.now + .seconds(15)
        while server.openAnswers > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(server.openAnswers == 0)
        #expect(server.longestAnswer < .seconds(Self.timeoutSeconds + 20), "an answer was held open \(server.longestAnswer)")
        // Memory stays bounded: what the client read is at most the largest valid answer (the
        // largest entry bundle, 256 entries of 65,535 bytes), plus what the sockets' buffers hold.
        #expect(server.bytesSent < 256 * 65_537 + (32 << 20), "\(server.bytesSent) bytes sent")
    }
}

/// An HTTP server that answers 200 and misbehaves in the body. With `checkpoint` it answers
/// `/checkpoint` properly with that note and misbehaves on every other path.
final class MisbehavingServer: @unchecked Sendable {
    enum Behaviour: String, CaseIterable, Sendable {
        /// Body bytes as fast as the client takes them, for ever, ended only by closing.
        case endless
        /// The same, as chunks of a chunked answer.
        case endlessChunked
        /// A Content-Length of a terabyte, then bytes for ever.
        case hugeLength
        /// One byte a second, for ever.
        case trickle
        /// The headers, then nothing.
        case silentAfterHeaders
        /// 404 Not Found (an answer that ends).
        case notFound
        /// Headers promising 100 bytes, 10 of them, then the connection closed.
        case closesEarly

        static let neverEnding: [Behaviour] = [.endless, .endlessChunked, .hugeLength, .trickle, .silentAfterHeaders]

        /// Whether it sends more than any valid answer within the timeout.
        var floods: Bool { self == .endless || self == .endlessChunked || self == .hugeLength }
    }

    let port: Int
    private let listener: Int32
    private let behaviour: Behaviour
    private let checkpoint: String?
    private let lock = NSLock()
    private var sent = 0
    private var open = 0

    private var longest = Duration.zero

    var bytesSent: Int { lock.withLock { sent } }
    /// The longest any misbehaving answer stayed open, until the client dropped it.
    var longestAnswer: Duration { lock.withLock { longest } }
    /// Misbehaving answers still being written (or held open).
    var openAnswers: Int { lock.withLock { open } }

    init(_ behaviour: Behaviour, checkpoint: String?) throws {
        self.behaviour = behaviour
        self.checkpoint = checkpoint
        let (fd, port) = try loopbackListener()
        listener = fd
        self.port = port
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                Thread.detachNewThread { [self] in answer(connection) }
            }
        }
    }

    /// Stops accepting (shutdown wakes the blocked accept).
    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private func answer(_ fd: Int32) {
        defer { Glibc.close(fd) }
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            request += buffer[0..<count]
        }
        let path = String(decoding: request, as: UTF8.self).split(separator: " ").dropFirst().first.map(String.init) ?? ""
        if path == "/checkpoint", let checkpoint {
            _ = write(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: \(checkpoint.utf8.count)\r\nConnection: close\r\n\r\n\(checkpoint)".utf8))
            return
        }
        let opened = ContinuousClock.now
        lock.withLock { open += 1 }
        defer { lock.withLock { open -= 1; longest = max(longest, ContinuousClock.now - opened) } }
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
        switch behaviour {
        case .endless:
            guard write(fd, Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n".utf8)) else { return }
            while write(fd, chunk) {}
        case .endlessChunked:
            guard write(fd, Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)) else { return }
            while write(fd, Array("10000\r\n".utf8) + chunk + Array("\r\n".utf8)) {}
        case .hugeLength:
            guard write(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n".utf8)) else { return }
            while write(fd, chunk) {}
        case .trickle:
            guard write(fd, Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8)) else { return }
            while write(fd, [UInt8(ascii: "x")]) { sleep(1) }
        case .silentAfterHeaders:
            guard write(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".utf8)) else { return }
            // Held open until the client closes its side.
            while recv(fd, &buffer, buffer.count, 0) > 0 {}
        case .notFound:
            _ = write(fd, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n".utf8))
        case .closesEarly:
            _ = write(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".utf8))
        }
    }

    /// Whether all of `bytes` were sent (false once the client has gone).
    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            offset += count
            lock.withLock { sent += count }
        }
        return true
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

/// Every way a cooperative's server can fail to give its data is reported in `/status` in plain
/// words, in English and Vietnamese, with a code for machines; never the networking library's
/// own text (before: "Error Domain=NSURLErrorDomain Code=-1001 "(null)"").
@Suite struct PlainErrorTests {
    enum Failure: String, CaseIterable {
        case refused, silent, notFound, closesEarly, endless
    }

    @Test(arguments: Failure.allCases)
    func aFailedFetchIsReportedInPlainWordsInBothLanguages(_ failure: Failure) async throws {
        let faulty = try CooperativeLedger(name: "HTX-DOWN", number: 73)
        defer { faulty.directory.remove() }
        var servers = [MisbehavingServer]()
        let silent = try SilentServer()
        let bound = try SilentServer(listening: false)    // bound, not listening: connections refused
        defer { silent.close(); bound.close(); servers.forEach { $0.close() } }
        let port: Int
        switch failure {
        case .refused:
            port = bound.port
        case .silent:
            port = silent.port
        case .notFound, .closesEarly, .endless:
            let server = try MisbehavingServer([.notFound: .notFound, .closesEarly: .closesEarly, .endless: .endless][failure]!, checkpoint: nil)
            servers.append(server)
            port = server.port
        }
        let url = "http://127.0.0.1:\(port)"
        let cooperative = try ProvinceConfig.Cooperative(name: faulty.name, baseURL: url, key: faulty.signer.verifier)
        let expected: (code: String, english: String, vietnamese: String) = switch failure {
        case .refused: ("refused", "\(url)/checkpoint: the server refused the connection", "máy chủ từ chối kết nối")
        case .silent: ("timeout", "\(url)/checkpoint: no complete answer within 1 s", "không nhận được câu trả lời đầy đủ trong 1 giây")
        case .notFound: ("http_status", "\(url)/checkpoint: the server answered HTTP 404 instead of the data", "máy chủ trả lời HTTP 404 thay vì dữ liệu")
        case .closesEarly: ("closed_early", "\(url)/checkpoint: the server closed the connection before its answer was complete", "máy chủ đóng kết nối trước khi trả lời xong")
        case .endless: ("too_large", "\(url)/checkpoint: the answer is larger than 65,536 bytes", "câu trả lời lớn hơn 65.536 byte")
        }
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { store in
                let aggregator = try await Aggregator(config: ProvinceConfig(cooperatives: [cooperative]), store: store, logger: ProvinceTest.logger) {
                    HTTPTileSource(baseURL: $0.baseURL, timeoutSeconds: 1)
                }
                #expect(await aggregator.runOnce()[faulty.name]?.isFailed == true)
                let reply = await ProvinceSite(store: store, cooperatives: [cooperative]).reply(method: "GET", path: "/status", query: nil)
                let status = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
                let row = try #require((status["cooperatives"] as? [[String: Any]])?.first)
                let english = row["last_error"] as? String ?? "", vietnamese = row["last_error_vi"] as? String ?? ""
                #expect(row["last_error_code"] as? String == expected.code, "\(row)")
                #expect(english.hasPrefix(expected.english), "\(english)")
                #expect(vietnamese.contains(expected.vietnamese) && vietnamese.contains(url), "\(vietnamese)")
                for text in [english, vietnamese] {
                    for raw in ["Error Domain", "NSURL", "errno", "IOError", "NIOConnectionError", "(null)"] {
                        #expect(!text.contains(raw), "\(text)")
                    }
                }
            }
        }
    }
}
