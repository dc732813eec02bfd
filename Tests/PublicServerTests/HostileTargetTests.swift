import Foundation
@testable import PublicServer
import Testing
import TestSupport

/// Request targets outside testers sent to `agritrace serve`, over a real socket: `//lot/X`, `//`
/// and `//evil.example/` used to answer 200 with the home page (the empty first segment was
/// taken for the root). Every target that is not exactly a route is refused or not found.
@Suite(.serialized) struct HostileTargetTests {
    @Test func noTargetButTheRootIsAnsweredWithTheHomePage() async throws {
        let s = try SiteCacheTests.Site()
        defer { s.fixture.remove() }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let options = LedgerServer.Options(ledgerPath: s.fixture.path, port: 0)
        let server = Task { try await LedgerServer.run(options) { continuation.yield($0) } }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let home = try await HTTPProbe.requestOffPool("GET", "/", port: port)
        #expect(home.status == 200 && home.headers["content-type"]?.hasPrefix("text/html") == true)
        // The lot's page is now in the cache, which answers before the site's routing does.
        #expect(try await HTTPProbe.requestOffPool("GET", "/lot/LOT-1", port: port).status == 200)
        let long = String(repeating: "a", count: 3000)
        let targets: [(target: String, status: Int)] = [
            ("//", 400), ("//lot/LOT-1", 400), ("//lot/LOT-1/proof", 400), ("//evil.example/", 400), ("//evil.example", 400),
            ("///", 400), ("/lot//LOT-1", 400), ("/lot/LOT-1//", 400), ("//tile/0/000", 400),
            ("/./", 400), ("/.", 400), ("/../", 400), ("/%2e%2e/", 400), ("/%2E/lot/LOT-1", 400), ("/lot/%2e%2e/proof", 400),
            ("/lot/%00", 400), ("/%00", 400), ("/%0d%0aSet-Cookie:x", 400), ("/%zz", 400),
            // An encoded slash is part of its segment here (GS1 lot codes may hold "/"): these name nothing.
            ("/%2F", 404), ("/%2Flot%2FLOT-1", 404), ("/lot%2FLOT-1", 404),
            ("/" + long, 414), ("/lot/LOT-1?" + long, 414),
            // The absolute form reaches the site as its path: this one's path starts with "//".
            ("http://evil.example//lot/LOT-1", 400),
            ("*", 400), ("evil.example:443", 400), ("?lang=en", 400),
            ("/nothing", 404), ("/index.html", 404), ("/lot", 404), ("/lot/LOT-1/proof/x", 404),
        ]
        for (target, status) in targets {
            let answer = try await HTTPProbe.requestOffPool("GET", target, port: port)
            #expect(answer.status == status, "\(target.prefix(40)) answered \(answer.status)")
            #expect(answer.body != home.body, "\(target.prefix(40)) answered with the home page")
        }
    }
}
