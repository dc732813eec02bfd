import Foundation
import Localization
import MerkleLog
import Testing
import TestSupport
@testable import Witnessing

/// The witness behind HTTP (WitnessServer) and the client that asks it (WitnessClient), in-process on a loopback port.
@Suite(.serialized) struct WitnessHTTPTests {
    let f = WitnessFixture()
    /// The in-process server answers on the test process's shared concurrency pool, which the rest of the
    /// suite can keep busy for many seconds on a 2-core machine: a slow answer is not what these tests check.
    static let patience = 120.0

    /// Runs `body` with a witness server listening on a free port; the server stops when the task is cancelled.
    func withServer(_ witness: TlogWitness, prefix: String = "", _ body: (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task {
            try await WitnessServer.run(witness, options: .init(host: "127.0.0.1", port: 0, prefix: prefix)) { continuation.yield($0) }
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(port)
    }

    @Test func theClientCosignsFirstThenProvesGrowthFromTheWitnessSize() async throws {
        let witness = try f.witness()
        try await withServer(witness, prefix: "/w") { port in
            let endpoint = WitnessEndpoint(url: URL(string: "http://127.0.0.1:\(port)/w/")!, key: f.witnessKey.verifier)
            #expect(endpoint.url.absoluteString == "http://127.0.0.1:\(port)/w/add-checkpoint")
            let tree = f.tree(40)
            for size in [6, 6, 40] {
                let outcomes = await WitnessClient.collect(signedCheckpoint: try f.signed(size), witnesses: [endpoint], timeoutSeconds: Self.patience) { old, new in
                    try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: tree)
                }
                guard case .cosigned(let signature) = outcomes[0] else { Issue.record("size \(size): \(outcomes)"); return }
                #expect(f.witnessKey.verifier.isValidSignature(signature.signature, noteText: try SignedNote(parsing: try f.signed(size)).text))
            }
            // A fork of size 40 is refused, and said to be a fork.
            let forked = await WitnessClient.collect(signedCheckpoint: try f.signed(40, fork: true), witnesses: [endpoint], timeoutSeconds: Self.patience) { old, new in
                try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: f.tree(40, fork: true))
            }
            guard case .refused(let reason) = forked[0] else { Issue.record("\(forked)"); return }
            #expect(reason.description.contains("fork"), "\(reason)")
            // The reason reaches a Vietnamese clerk in Vietnamese (`ledger checkpoint --witness`, the console).
            #expect(try Localizer.bundled(.vietnamese).render(reason).contains("nhân chứng đã đồng ký một cây khác cùng kích thước đó (rẽ nhánh)"))
            // A rolled-back log (size 20 after 40) is refused naming the larger size.
            let rolledBack = await WitnessClient.collect(signedCheckpoint: try f.signed(20), witnesses: [endpoint], timeoutSeconds: Self.patience) { old, new in
                try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: tree)
            }
            guard case .refused(let why) = rolledBack[0] else { Issue.record("\(rolledBack)"); return }
            #expect(why.description.contains("40"), "\(why)")
        }
    }

    /// A witness that is not there, and one whose answer is signed by another key, are told apart.
    @Test func unreachableAndWrongKeyAreReportedPerWitness() async throws {
        let witness = try f.witness()
        try await withServer(witness) { port in
            let wrongKey = try NoteSigner(name: "witness.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 9, count: 32)).verifier
            let endpoints = [WitnessEndpoint(url: URL(string: "http://127.0.0.1:\(port)")!, key: wrongKey),
                             WitnessEndpoint(url: URL(string: "http://127.0.0.1:1/")!, key: f.witnessKey.verifier)]
            let outcomes = await WitnessClient.collect(signedCheckpoint: try f.signed(3), witnesses: endpoints, timeoutSeconds: Self.patience) { _, _ in [] }
            guard case .refused(let reason) = outcomes[0], case .unreachable(let why) = outcomes[1] else { Issue.record("\(outcomes)"); return }
            #expect(reason.description.contains("no valid cosignature"), "\(reason)")
            // Nothing listens on port 1: said in the reader's language, not in the HTTP library's English.
            #expect(why.description.contains("the connection was refused"), "\(why)")
            #expect(try Localizer.bundled(.vietnamese).render(why).contains("kết nối bị từ chối"), "\(why)")
        }
    }

    /// Other paths, methods and oversized bodies get clean 4xx answers without touching the state.
    @Test func theHTTPSideRefusesWhatIsNotAnAddCheckpoint() async throws {
        let store = try WitnessStateDirectory(path: f.directory)
        let witness = try f.witness(store: store)
        let body = String(decoding: try f.body(old: 0, size: 5), as: UTF8.self)
        try await withServer(witness) { port in
            let big = String(repeating: "a", count: AddCheckpointRequest.maxBytes + 1)
            let unfinished: [(method: String, announced: Int?, status: Int)] = [("POST", AddCheckpointRequest.maxBytes * 1000, 413), ("POST", nil, 413),
                                                                               ("PUT", 50_000_000, 405)]
            // Every request from a thread of its own: the in-process server answers from the pool.
            let a = try await HTTPProbe.offPool {
                (get: try HTTPProbe.request("GET", "/add-checkpoint", port: port),
                 put: try HTTPProbe.request("PUT", "/add-checkpoint", port: port, extraHeaders: ["Content-Length: 2"], body: "hi"),
                 dots: try HTTPProbe.request("POST", "/../add-checkpoint", port: port, extraHeaders: ["Content-Length: 0"]),
                 other: try HTTPProbe.request("POST", "/checkpoint", port: port, extraHeaders: ["Content-Length: 0"]),
                 tooBig: try HTTPProbe.request("POST", "/add-checkpoint", port: port, extraHeaders: ["Content-Length: \(big.utf8.count)"], body: big),
                 chunked: try HTTPProbe.exchange(Array(("POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + String(AddCheckpointRequest.maxBytes + 1, radix: 16) + "\r\n" + big + "\r\n0\r\n\r\n").utf8), port: port),
                 brew: try HTTPProbe.request("BREW", "/add-checkpoint", port: port),
                 unfinished: try unfinished.map { try HTTPProbe.unfinishedUpload($0.method, "/add-checkpoint", port: port, announced: $0.announced) },
                 ok: try HTTPProbe.request("POST", "/add-checkpoint", port: port, extraHeaders: ["Content-Length: \(body.utf8.count)"], body: body),
                 again: try HTTPProbe.request("POST", "/add-checkpoint", port: port, extraHeaders: ["Content-Length: \(body.utf8.count)"], body: body))
            }
            #expect(a.get.status == 405)
            #expect(a.put.status == 405)
            // A dot segment is refused as every server refuses one (RequestTarget), not looked up.
            #expect(a.dots.status == 400)
            #expect(a.other.status == 404)
            #expect(a.tooBig.status == 413)
            #expect(a.chunked.status == 413)
            // Refusals are for people too: English, then Vietnamese.
            for (answer, english, vietnamese) in [(a.other, "not found: the witness answers POST /add-checkpoint", "không tìm thấy: nhân chứng chỉ trả lời POST /add-checkpoint"),
                                                  (a.get, "/add-checkpoint takes POST", "/add-checkpoint chỉ nhận yêu cầu POST"),
                                                  (a.tooBig, "the request body is larger than", "nội dung yêu cầu lớn hơn")] {
                #expect(answer.text.hasPrefix(english) && answer.text.contains("\n" + vietnamese), "\(answer.text)")
            }
            // A method the HTTP parser does not know is 405 like any other; a refused body is not
            // read on (the answer and the end of the connection come while the client still sends).
            #expect(a.brew.status == 405 && a.brew.headers["allow"] == "POST", "\(a.brew.status) \(a.brew.headers)")
            for (sent, answer) in zip(unfinished, a.unfinished) {
                #expect(answer.status == sent.status && answer.closedByServer,
                        "\(sent.method) \(sent.announced.map(String.init) ?? "chunked"): \(answer.status), closed: \(answer.closedByServer)")
            }
            #expect(a.ok.status == 200 && a.ok.text.hasPrefix("\u{2014} witness.example/w1 "), "\(a.ok.status) \(a.ok.text)")
            #expect(a.again.status == 409 && a.again.text == "5\n" && a.again.headers["content-type"] == "text/x.tlog.size")
        }
        #expect(try store.state(origin: "coop.example/ledger").map { try Checkpoint(text: try SignedNote(parsing: $0).text).size } == 5)
    }

    /// Only the exact submission path is the witness's: no other spelling of it reaches the
    /// witness, and the state stays as it was.
    @Test func hostileTargetsNeverReachTheWitness() async throws {
        let store = try WitnessStateDirectory(path: f.directory)
        let witness = try f.witness(store: store)
        let body = String(decoding: try f.body(old: 0, size: 5), as: UTF8.self)
        try await withServer(witness, prefix: "/w") { port in
            let targets: [(target: String, status: Int)] = [
                ("//w/add-checkpoint", 400), ("/w//add-checkpoint", 400), ("//evil.example/w/add-checkpoint", 400), ("//", 400),
                ("/./w/add-checkpoint", 400), ("/w/./add-checkpoint", 400), ("/x/../w/add-checkpoint", 400), ("/%2e%2e/w/add-checkpoint", 400),
                ("/w%2Fadd-checkpoint", 400), ("/w/add-checkpoint%00", 400), ("/w/%zz", 400), ("*", 400), ("?a=b", 400),
                ("/w/" + String(repeating: "a", count: 3000), 414),
                ("/w/add-checkpoint/", 404), ("/w/%61dd-checkpoint", 404), ("/W/add-checkpoint", 404), ("/add-checkpoint", 404), ("/", 404),
            ]
            for (target, status) in targets {
                let answer = try await HTTPProbe.requestOffPool("POST", target, port: port, extraHeaders: ["Content-Length: \(body.utf8.count)"], body: body)
                #expect(answer.status == status, "\(target.prefix(40)) answered \(answer.status): \(answer.text.prefix(200))")
            }
        }
        #expect(try store.state(origin: "coop.example/ledger") == nil, "nothing was cosigned")
    }
}
