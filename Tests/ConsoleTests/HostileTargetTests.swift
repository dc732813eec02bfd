import Foundation
import ProvenanceTestSupport
import Testing
import TestSupport
@testable import Console

/// Request targets outside testers sent to the servers, at the console over a real socket: each
/// is refused (400, 414) or not found, never answered as the route it resembles.
@Suite(.serialized) struct HostileTargetTests {
    @Test func onlyExactRoutesAreAnswered() async throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let accounts = fixture.directory.url.appendingPathComponent("coop.console.db").path
        _ = try Accounts(path: accounts, cost: 4)
        let options = ConsoleServer.Options(ledgerPath: fixture.path, accountsPath: accounts,
                                            workDirectory: fixture.directory.url.appendingPathComponent("work").path,
                                            port: 0, signer: fixture.signer, gradingThreads: 1)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await ConsoleServer.run(options) { continuation.yield($0) } }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let login = try await HTTPProbe.requestOffPool("GET", "/console/login", port: port)
        #expect(login.status == 200)
        let targets: [(target: String, status: Int)] = [
            ("//console/login", 400), ("//", 400), ("//evil.example/console/login", 400), ("/console//login", 400),
            ("/./console/login", 400), ("/console/./login", 400), ("/x/../console/login", 400), ("/console/%2e%2e/console/login", 400),
            ("/console%2Flogin", 400), ("/console/login%00", 400), ("/console/%zz", 400), ("*", 400), ("?lang=en", 400),
            ("/console/" + String(repeating: "a", count: 3000), 414),
            // Not routes either: without a session, any other console address leads to signing in.
            ("/console/login/", 303), ("/console/%6Cogin", 303), ("/", 404), ("/login", 404),
        ]
        for (target, status) in targets {
            let answer = try await HTTPProbe.requestOffPool("GET", target, port: port)
            #expect(answer.status == status, "\(target.prefix(40)) answered \(answer.status)")
            #expect(answer.body != login.body, "\(target.prefix(40)) answered with the sign-in page")
        }
        // The refusal is a page in the visitor's language.
        let vietnamese = try await HTTPProbe.requestOffPool("GET", "//console/login", port: port, extraHeaders: ["Accept-Language: vi"])
        #expect(vietnamese.text.contains("đoạn rỗng"), "\(vietnamese.text.prefix(400))")
    }
}
