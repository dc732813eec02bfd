import Foundation
import LedgerStore
import MerkleLog
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport

/// `agritrace serve` as a running process: the log as C2SP tiles checked by the independent
/// Python client, lot pages and bundles, abuse answered with clean 4xx, and a clean stop on SIGTERM.
@Suite(.serialized) struct ServeCommandTests {
    /// A ledger with one graded lot (GTIN 09506000134352), `extraOrigins` more entries, a signed
    /// checkpoint, and the files `serve` takes: the private key, its vkey and a trust list.
    struct Site {
        let fixture: ProvenanceFixture
        var db: String { fixture.path }
        let key: String, vkey: String, trust: String

        init(extraOrigins: Int = 0, seed: [UInt8] = ProvenanceFixture.seed) throws {
            let fixture = try ProvenanceFixture(seed: seed)
            self.fixture = fixture
            let ledger = fixture.ledger, signer = fixture.signer
            do {
                try ledger.append([ProvenanceFixture.origin("VN-TG-001"), ProvenanceFixture.lot("LOT-1", origin: "VN-TG-001"),
                                   ProvenanceFixture.grading("LOT-1")], signer: signer)
                var batch: [ProvenanceRecord] = []
                for index in 0..<extraOrigins {
                    batch.append(ProvenanceFixture.origin("VN-X-\(index)"))
                    if batch.count == 500 { try ledger.append(batch, signer: signer); batch = [] }
                }
                if !batch.isEmpty { try ledger.append(batch, signer: signer) }
                let folder = fixture.directory.url
                key = folder.appendingPathComponent("coop.key").path
                vkey = folder.appendingPathComponent("coop.vkey").path
                trust = folder.appendingPathComponent("trust.txt").path
                _ = FileManager.default.createFile(atPath: key, contents: Data((signer.privateKeyText + "\n").utf8), attributes: [.posixPermissions: 0o600])
                try (signer.verifier.vkey + "\n").write(toFile: vkey, atomically: true, encoding: .utf8)
                try "# the cooperative\nlog \(signer.verifier.vkey)\n".write(toFile: trust, atomically: true, encoding: .utf8)
                try checkpoint()
            } catch {
                fixture.remove()
                throw error
            }
        }

        /// The cooperative's `ledger checkpoint`: signs the checkpoint and the lots' statements the server hands out.
        func checkpoint() throws {
            let run = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", db, "--key", key])
            guard run.status == 0 else { throw HTTPProbe.Failure(description: "ledger checkpoint failed: \(run.stderr)") }
        }

        func serve(_ extra: [String] = []) throws -> ServerProcess {
            try ServerProcess(["--ledger", db, "--trust", trust] + extra)
        }
    }

    @Test func theIndependentClientRebuildsTheTreeFromTilesAndCatchesAnAlteredEntry() throws {
        // 4 + 600 entries: two full level-0 tiles and bundles, partial ones after them, a partial level-1 tile.
        let site = try Site(extraOrigins: 600)
        defer { site.fixture.remove() }
        let server = try site.serve()
        let honest = try LedgerInteropTests.python(["tiles", server.baseURL, "--vkey", site.vkey])
        #expect(honest.status == 0, "\(honest.output)")
        #expect(honest.output.contains("604 entries"), "\(honest.output)")

        // The same client fails once one stored entry is changed (here: a farm name inside a full bundle).
        try SQLiteShell.tamper(site.db, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'Nông trại', 'Nông trai') AS BLOB) WHERE seq = 100;")
        let altered = try LedgerInteropTests.python(["tiles", server.baseURL, "--vkey", site.vkey])
        #expect(altered.status != 0)
        #expect(altered.output.contains("entry 100"), "\(altered.output)")
        let stop = server.stop()
        #expect(stop.status == 0 && stop.output.contains("stopped"), "serve did not stop cleanly on SIGTERM: \(stop)")
    }

    @Test func tilesAreByteExactAndCacheableAsTheSpecSays() throws {
        let site = try Site(extraOrigins: 300)
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let ledger = try Ledger(provenanceAt: site.db, readOnly: true)
        let full = try HTTPProbe.request("GET", "/tile/0/000", port: server.port)
        #expect(full.status == 200)
        let leaves = try ledger.entries(seqs: 0..<256).flatMap(\.leafHash.bytes)
        #expect(full.body == leaves)
        #expect(full.headers["cache-control"]?.contains("immutable") == true)
        #expect(full.headers["content-type"] == "application/octet-stream")
        #expect(full.headers["access-control-allow-origin"] == "*")
        let partial = try HTTPProbe.request("GET", "/tile/0/001.p/48", port: server.port)
        #expect(partial.status == 200 && partial.body.count == 48 * 32)
        #expect(partial.headers["cache-control"]?.contains("immutable") == false)
        let bundle = try HTTPProbe.request("GET", "/tile/entries/001.p/3", port: server.port)
        let first = try #require(try ledger.entry(seq: 256)).canonicalBytes
        #expect(Array(bundle.body.prefix(2 + first.count)) == [UInt8(first.count >> 8), UInt8(first.count & 0xff)] + first)
        let level1 = try HTTPProbe.request("GET", "/tile/1/000.p/1", port: server.port)
        let firstSubtree = try ledger.root(size: 256)
        #expect(level1.body == firstSubtree.bytes)
        // Beyond the log, and every malformed spelling of an index or width: refused.
        #expect(try HTTPProbe.request("GET", "/tile/0/001", port: server.port).status == 404)
        #expect(try HTTPProbe.request("GET", "/tile/0/001.p/49", port: server.port).status == 404)
        for malformed in ["/tile/0/1", "/tile/0/0001", "/tile/00/000", "/tile/0/x000/001", "/tile/0/000.p/0", "/tile/0/000.p/256",
                          "/tile/0/000.p/07", "/tile/64/000", "/tile/0/x1/000", "/tile/0/001/x002", "/tile/entries/", "/tile/0/-01"] {
            let answer = try HTTPProbe.request("GET", malformed, port: server.port)
            #expect(answer.status == 400, "\(malformed) answered \(answer.status)")
        }
        let checkpoint = try HTTPProbe.request("GET", "/checkpoint", port: server.port)
        let stored = try ledger.latestCheckpoint()?.signedNote
        #expect(checkpoint.status == 200 && checkpoint.text == stored)
        #expect(checkpoint.headers["cache-control"]?.contains("immutable") == false)
    }

    /// Keep-alive requests, answered from the caches on the connection's thread or by the
    /// responder: every answer in request order, the same bytes and headers either way, and an
    /// edit of the file reaches the next request at once.
    @Test func keptAliveRequestsGetTheirAnswersInOrderFromEitherPath() throws {
        let site = try Site(extraOrigins: 300)
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let requests: [(method: String, target: String)] = [
            ("GET", "/lot/LOT-1?lang=en"), ("GET", "/tile/0/000"), ("GET", "/lot/LOT-1?lang=en"), ("GET", "/tile/0/000"),
            ("HEAD", "/tile/0/000"), ("GET", "/lot/LOT-1/proof"), ("GET", "/tile/0/001.p/3"), ("GET", "/01/09506000134351/10/LOT-1"),
            ("GET", "/tile/0/000"), ("GET", "/lot/LOT-1?lang=vi"), ("GET", "/lot/LOT-1?lang=en")]
        // Twice: the second round finds the tiles and pages cached from the start.
        for round in 1...2 {
            let answers = try HTTPProbe.pipelined(requests, port: server.port)
            #expect(answers.map(\.status) == [200, 200, 200, 200, 200, 200, 200, 404, 200, 200, 200], "round \(round)")
            #expect(answers[0].text.contains("Grade: Premium") && answers[2].body == answers[0].body && answers[10].body == answers[0].body)
            #expect(answers[9].text.contains("Hạng:") && answers[9].body != answers[0].body)
            #expect(answers[1].body.count == 256 * 32 && answers[3].body == answers[1].body && answers[8].body == answers[1].body)
            #expect(answers[4].body.isEmpty && answers[4].headers["content-length"] == "8192")
            #expect(answers[5].text.hasPrefix("agritrace-label-bundle/v1") && answers[6].body.count == 96)
            for (index, answer) in answers.enumerated() {
                #expect(answer.headers["date"] != nil && answer.headers["server"] == "agritrace" && answer.headers["access-control-allow-origin"] == "*",
                        "round \(round), answer \(index + 1): \(answer.headers)")
            }
            for index in [3, 4, 8] {
                var headers = answers[index].headers, first = answers[1].headers
                for name in ["date", "content-length", "connection"] { headers[name] = nil; first[name] = nil }
                #expect(headers == first, "a cached tile's headers are the responder's: \(headers) vs \(first)")
            }
        }
        try SQLiteShell.tamper(site.db, "UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 7;")
        let edited = try HTTPProbe.pipelined([("GET", "/tile/0/000"), ("GET", "/tile/0/000")], port: server.port)
        #expect(edited.allSatisfy { Array($0.body[7 * 32..<8 * 32]) == [UInt8](repeating: 0, count: 32) }, "the edit is served at once")
    }

    /// HTTP/1.0 closes after each answer unless the client asks to keep the connection: a client
    /// that reads until the end (ab, old scripts) is answered at once, not after the idle timeout.
    @Test func anHTTP10RequestEndsItsConnectionWithTheAnswer() throws {
        let site = try Site(extraOrigins: 300)   // a full tile
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        // Both the answer kept ready (a tile, asked twice) and one built by the responder (a page).
        for target in ["/tile/0/000", "/tile/0/000", "/lot/LOT-1?lang=en", "/checkpoint"] {
            let started = Date()
            let answer = try HTTPProbe.exchange(Array("GET \(target) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8), port: server.port, timeoutSeconds: 10)
            #expect(answer.status == 200 && answer.closedByServer, "\(target): \(answer.status), closed \(answer.closedByServer)")
            #expect(Date().timeIntervalSince(started) < 8, "\(target): the connection stayed open")
        }
        // Asking for keep-alive keeps it: two answers on one HTTP/1.0 connection.
        let head = "GET /checkpoint HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
        let kept = try HTTPProbe.exchange(Array((head + "GET /checkpoint HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").utf8), port: server.port, timeoutSeconds: 10)
        #expect(kept.status == 200 && kept.text.components(separatedBy: "HTTP/1.1 200").count == 2, "\(kept.text.prefix(600))")
    }

    /// Without a trust list every lot page says NOT VERIFIED: whoever starts the server is told why, at once.
    @Test func startingWithoutATrustListWarnsTheOperator() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        let bare = try ServerProcess(["--ledger", site.db])
        let stopped = bare.stop()
        #expect(stopped.status == 0 && stopped.errors.contains("no --trust list"), "\(stopped)")
        let trusted = try site.serve().stop()
        #expect(trusted.status == 0 && !trusted.errors.contains("--trust"), "\(trusted)")
        // A trust list naming another cooperative's key: the same outcome for buyers, so the same warning.
        let stranger = try NoteSigner(name: "someone-else.example/ledger", seed: [UInt8](repeating: 9, count: 32))
        try "log \(stranger.verifier.vkey)\n".write(toFile: site.trust, atomically: true, encoding: .utf8)
        let mistrusted = try site.serve().stop()
        #expect(mistrusted.status == 0 && mistrusted.errors.contains("no log key in \(site.trust) signs the ledger"), "\(mistrusted)")
    }

    /// Rows changed after they were recorded are reported when the server starts (it still
    /// serves: the browsers then show what failed): an entry's bytes, or a stored hash under the
    /// signed checkpoint. An honest ledger starts without that warning.
    @Test func startingOnAnAlteredLedgerWarnsTheOperator() throws {
        let site = try Site(extraOrigins: 300)
        defer { site.fixture.remove() }
        let honest = try site.serve().stop()
        #expect(honest.status == 0 && !honest.errors.contains("altered"), "\(honest)")

        try SQLiteShell.editKeepingTriggers(site.db, "UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'Nông trại', 'Nông trai') AS BLOB) WHERE seq = 100;")
        let body = try site.serve().stop()
        #expect(body.status == 0 && body.errors.contains("the ledger \(site.db) was altered: entry #100's stored hash is not the hash of its bytes"), "\(body)")
        let vietnamese = try ServerProcess(["--ledger", site.db, "--trust", site.trust], command: ["--lang", "vi", "serve"]).stop()
        #expect(vietnamese.errors.contains("đã bị sửa: giá trị băm đã lưu của mục #100"), "\(vietnamese)")

        // The stored subtree of the first 256 entries: the signed root no longer comes out.
        try SQLiteShell.editKeepingTriggers(site.db, """
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'Nông trai', 'Nông trại') AS BLOB) WHERE seq = 100;
            CREATE TABLE saved AS SELECT hash FROM tree_nodes WHERE level = 8 AND idx = 0;
            UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 0;
            """)
        let node = try site.serve().stop()
        #expect(node.status == 0 && node.errors.contains("the latest signed checkpoint (304 entries) has root"), "\(node)")
        // A leaf hash alone (the stored subtree above it left as signed).
        try SQLiteShell.editKeepingTriggers(site.db, """
            UPDATE tree_nodes SET hash = (SELECT hash FROM saved) WHERE level = 8 AND idx = 0;
            DROP TABLE saved;
            UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 7;
            """)
        let leaf = try site.serve().stop()
        #expect(leaf.status == 0 && leaf.errors.contains("entry #7's stored hash is not the hash of its bytes"), "\(leaf)")
    }

    /// A broken trust list is refused in the operator's language, naming the file and line.
    @Test func aBrokenTrustListIsRefusedInVietnamese() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        try "quorum 1\nkey x\n".write(toFile: site.trust, atomically: true, encoding: .utf8)
        let run = try AgriTraceBinary.run(["--lang", "vi", "serve", "--ledger", site.db, "--trust", site.trust, "--listen", "127.0.0.1:0"])
        #expect(run.status == 2 && run.stderr.contains("\(site.trust):2: mục không rõ 'key'"), "\(run.stderr)")
    }

    @Test func aLotCodeWithASlashHasItsPageAndProofAtItsDigitalLinkPath() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        try site.fixture.ledger.append([ProvenanceFixture.lot("A/B-7", origin: "VN-TG-001"), ProvenanceFixture.grading("A/B-7")],
                                       signer: site.fixture.signer)
        try site.checkpoint()
        let server = try site.serve()
        let encoded = Identifiers.percentEncoded("A/B-7")
        #expect(encoded == "A%2FB-7")
        let page = try HTTPProbe.request("GET", "/lot/\(encoded)", port: server.port)
        #expect(page.status == 200 && page.text.contains("A/B-7"), "\(page.status) \(page.text.prefix(300))")
        #expect(page.text.contains("/lot/\(encoded)/proof"))
        let proof = try HTTPProbe.request("GET", "/lot/\(encoded)/proof", port: server.port)
        #expect(proof.status == 200 && proof.text.contains("A/B-7"), "\(proof.status) \(proof.text.prefix(300))")
        #expect(server.stop().status == 0)
    }

    @Test func abuseGetsCleanClientErrorsAndNothingWrites() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        let before = try Data(contentsOf: URL(fileURLWithPath: site.db))
        let server = try site.serve()
        let port = server.port
        // Methods HTTP defines and methods its parser does not know (BREW, a lower-case get) alike.
        for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "BREW", "get", "X-FOO"] {
            let answer = try HTTPProbe.request(method, "/lot/LOT-1", port: port, extraHeaders: ["Content-Length: 0"])
            #expect(answer.status == 405, "\(method) answered \(answer.status)")
            #expect(answer.headers["allow"] == "GET, HEAD, OPTIONS", "\(method): \(answer.headers)")
            // Said in both languages whichever way the method was refused (a request carries no language we could rely on).
            // (The probe reads no body after CONNECT: a CONNECT answer is the start of a tunnel to it.)
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(method == "CONNECT" || (text.contains("GET") && text.contains("không") && text.contains("not allowed")), "\(method): \(text)")
        }
        for traversal in ["/lot/%2e%2e/proof", "/lot/..", "/tile/../../etc/passwd", "/lot/a%5Cb", "/lot/%00", "/lot/%zz", "/01/09506000134352/10/%2E"] {
            let answer = try HTTPProbe.request("GET", traversal, port: port)
            #expect(answer.status == 400, "\(traversal) answered \(answer.status)")
        }
        // An encoded slash is part of a lot code (GS1 allows "/"); this one names no lot. No path reaches a file.
        #expect(try HTTPProbe.request("GET", "/lot/..%2F..%2Fetc%2Fpasswd", port: port).status == 404)
        #expect(try HTTPProbe.request("GET", "/lot/" + String(repeating: "A", count: 5000), port: port).status == 414)
        let body = try HTTPProbe.request("GET", "/lot/LOT-1", port: port, extraHeaders: ["Content-Length: 5"], body: "hello")
        #expect(body.status == 413)
        let bigHead = try HTTPProbe.request("GET", "/", port: port, extraHeaders: ["X-Filler: " + String(repeating: "a", count: 200_000)])
        #expect((400..<500).contains(bigHead.status), "a 200 kB header answered \(bigHead.status)")
        #expect(try HTTPProbe.request("GET", "/nothing/here", port: port).status == 404)
        let options = try HTTPProbe.request("OPTIONS", "/lot/LOT-1/proof", port: port)
        #expect(options.status == 204 && options.headers["access-control-allow-methods"] == "GET, HEAD")
        let head = try HTTPProbe.request("HEAD", "/lot/LOT-1", port: port)
        #expect(head.status == 200 && head.body.isEmpty)
        // The server still answers after all that, and the ledger file is unchanged.
        #expect(try HTTPProbe.request("GET", "/lot/LOT-1", port: port).status == 200)
        let stop = server.stop()
        #expect(stop.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: site.db)) == before)
    }

    @Test func theLotPageAndBundleAreServedAtDigitalLinkPathsAndTheBundleVerifies() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let page = try HTTPProbe.request("GET", "/01/09506000134352/10/LOT-1", port: server.port, extraHeaders: ["Accept-Language: en"])
        #expect(page.status == 200)
        #expect(page.text.contains("Lot LOT-1") && page.text.contains("Nông trại Nguyễn Văn A") && page.text.contains("Premium"))
        let policy = try #require(page.headers["content-security-policy"])
        #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
        #expect(try HTTPProbe.request("GET", "/lot/LOT-1", port: server.port, extraHeaders: ["Accept-Language: vi"]).text.contains("Lô hàng LOT-1"))
        // A Digital Link with another GTIN, or an unknown lot: not found.
        #expect(try HTTPProbe.request("GET", "/01/04012345000009/10/LOT-1", port: server.port).status == 404)
        #expect(try HTTPProbe.request("GET", "/lot/LOT-404", port: server.port).status == 404)

        let bundle = try HTTPProbe.request("GET", "/lot/LOT-1/proof", port: server.port)
        #expect(bundle.status == 200)
        let file = site.fixture.directory.url.appendingPathComponent("LOT-1.proof").path
        try Data(bundle.body).write(to: URL(fileURLWithPath: file))
        let verdict = try AgriTraceBinary.run(["verify-label", file, "--vkey", site.vkey, "--lot", "LOT-1"])
        #expect(verdict.status == 0 && verdict.stdout.contains("VERIFIED"), "\(verdict.stdout)\(verdict.stderr)")

        // A new grading while the server runs: no bundle until the cooperative signs a checkpoint, then one that shows it.
        try site.fixture.ledger.append([ProvenanceFixture.grading("LOT-1")], signer: site.fixture.signer)
        let stale = try HTTPProbe.request("GET", "/lot/LOT-1/proof", port: server.port)
        #expect(stale.status == 404 && stale.text.contains("ledger checkpoint"), "\(stale.status) \(stale.text)")
        try site.checkpoint()
        let fresh = try HTTPProbe.request("GET", "/lot/LOT-1/proof", port: server.port)
        #expect(fresh.status == 200 && fresh.body != bundle.body)
        try Data(fresh.body).write(to: URL(fileURLWithPath: file))
        let again = try AgriTraceBinary.run(["verify-label", file, "--vkey", site.vkey, "--lot", "LOT-1"])
        #expect(again.status == 0 && again.stdout.contains("VERIFIED"), "\(again.stdout)\(again.stderr)")
    }

    /// A body the server refuses (any body: no route takes one) is not read: the answer comes and
    /// the connection ends while the client is still sending, whatever the framing; an ordinary
    /// request on a kept-alive connection is answered and the connection stays open.
    @Test func aRefusedBodyIsNotRead() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        for (method, target, announced, status) in [("POST", "/lot/LOT-1", 50_000_000, 405), ("GET", "/lot/LOT-1", 50_000_000, 413),
                                                    ("PUT", "/tile/0/000", nil, 405), ("GET", "/checkpoint", nil, 413), ("BREW", "/", 50_000_000, 405)] as [(String, String, Int?, Int)] {
            let answer = try HTTPProbe.unfinishedUpload(method, target, port: server.port, announced: announced)
            #expect(answer.status == status && answer.closedByServer, "\(method) \(target) \(announced.map(String.init) ?? "chunked"): \(answer.status), closed: \(answer.closedByServer)")
        }
        let keptAlive = try HTTPProbe.exchange(Array("GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: server.port, timeoutSeconds: 2)
        #expect(keptAlive.status == 200 && !keptAlive.closedByServer)
        #expect(server.stop().status == 0)
    }

    /// A listen address another server already holds is a usage error (status 2) naming the
    /// address and the option, in the user's language, not the network library's words.
    @Test func aPortInUseIsAUsageErrorNamingTheAddress() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        let server = try site.serve()
        let address = "127.0.0.1:\(server.port)"
        let english = try AgriTraceBinary.run(["serve", "--ledger", site.db, "--listen", address], timeout: 60)
        #expect(english.status == 2 && english.stderr.contains("cannot listen on \(address): another program already uses that port")
                && english.stderr.contains("--listen"), "\(english.status) \(english.stderr)")
        let vietnamese = try AgriTraceBinary.run(["--lang", "vi", "serve", "--ledger", site.db, "--listen", address], timeout: 60)
        #expect(vietnamese.status == 2 && vietnamese.stderr.contains("không thể lắng nghe tại \(address)"), "\(vietnamese.status) \(vietnamese.stderr)")
        let witnessKey = site.fixture.directory.url.appendingPathComponent("w1.key").path
        try SigningKeyFile.write(try NoteSigner.generate(name: "witness.example/w1", type: .cosignatureV1), to: witnessKey)
        let witness = try AgriTraceBinary.run(["witness", "serve", "--key", witnessKey, "--log", site.vkey, "--listen", address,
                                               "--state", site.fixture.directory.url.appendingPathComponent("w1-state").path], timeout: 60)
        #expect(witness.status == 2 && witness.stderr.contains("cannot listen on \(address)"), "\(witness.status) \(witness.stderr)")
        // An address no machine can have (NIO cannot resolve it) is the same kind of mistake, not an internal failure.
        for bad in ["999.1.1.1:8080"] {
            let answer = try AgriTraceBinary.run(["serve", "--ledger", site.db, "--listen", bad], timeout: 60)
            #expect(answer.status == 2 && answer.stderr.contains("cannot listen on \(bad): this machine has no such address")
                    && answer.stderr.contains("--listen"), "\(bad): \(answer.status) \(answer.stderr)")
        }
        #expect(server.stop().status == 0)
    }

    @Test func badStartupInputIsAUsageError() throws {
        let site = try Site()
        defer { site.fixture.remove() }
        try "log not-a-key\n".write(toFile: site.trust, atomically: true, encoding: .utf8)
        let bad = try AgriTraceBinary.run(["serve", "--ledger", site.db, "--trust", site.trust, "--listen", "127.0.0.1:0"], timeout: 30)
        #expect(bad.status == 2 && bad.stderr.contains("trust.txt:1"), "\(bad.stderr)")
        let missing = try AgriTraceBinary.run(["serve", "--ledger", site.db + ".missing", "--listen", "127.0.0.1:0"], timeout: 30)
        #expect(missing.status == 2)
        let listen = try AgriTraceBinary.run(["serve", "--ledger", site.db, "--listen", "localhost"], timeout: 30)
        #expect(listen.status == 2 && listen.stderr.contains("--listen"))
        // The public server takes no signing key: it serves statements signed by `ledger checkpoint`.
        let withKey = try AgriTraceBinary.run(["serve", "--ledger", site.db, "--key", site.key, "--listen", "127.0.0.1:0"], timeout: 30)
        #expect(withKey.status == 2 && withKey.stderr.contains("--key"), "\(withKey.stderr)")
    }
}
