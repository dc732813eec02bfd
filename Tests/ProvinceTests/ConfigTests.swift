import MerkleLog
import Province
import Testing

@Suite struct ConfigTests {
    let keyA = try! NoteSigner(name: "a.example/ledger", seed: [UInt8](repeating: 1, count: 32)).verifier.vkey
    let keyB = try! NoteSigner(name: "b.example/ledger", seed: [UInt8](repeating: 2, count: 32)).verifier.vkey

    @Test func readsCooperativesAndComments() throws {
        let config = try ProvinceConfig(parsing: """
            # the province's cooperatives
            cooperative HTX-A http://a.example:8080/ \(keyA)   # trailing comment

            cooperative HTX-B https://b.example \(keyB)\r
            """, file: "p.conf")
        #expect(config.cooperatives.map(\.name) == ["HTX-A", "HTX-B"])
        #expect(config.cooperatives.map(\.baseURL) == ["http://a.example:8080", "https://b.example"])
        #expect(config.cooperatives[0].origin == "a.example/ledger")
    }

    @Test(arguments: [
        ("coop HTX-A http://a.example KEY", "p.conf:1: unknown line 'coop'"),
        ("cooperative HTX-A http://a.example", "p.conf:1: expected 'cooperative NAME BASE-URL VKEY', found 2 values"),
        ("cooperative HTX/A http://a.example KEYA", "p.conf:1: cooperative name 'HTX/A' must be 1–64 of A–Z a–z 0–9 . _ -"),
        // A path segment of the province's routes: ".." would be resolved away by clients.
        ("cooperative .. http://a.example KEYA", "p.conf:1: cooperative name '..' must be 1–64 of A–Z a–z 0–9 . _ -, not . or .."),
        ("cooperative HTX-A ftp://a.example KEYA", "p.conf:1: base URL 'ftp://a.example' of HTX-A must be an http:// or https:// address without query"),
        ("cooperative HTX-A http://a.example notakey", "p.conf:1: the key is not a verifier key"),
        ("cooperative HTX-A http://user:pw@a.example KEYA", "p.conf:1: base URL 'http://user:pw@a.example' of HTX-A must be an http:// or https:// address without query"),
        ("cooperative HTX-A http://a.example KEYA\ncooperative HTX-A http://b.example KEYB", "p.conf: cooperative HTX-A is listed twice"),
        ("cooperative HTX-A http://a.example KEYA\ncooperative HTX-B http://b.example KEYA", "p.conf: the key of HTX-B is listed twice"),
        ("# nothing", "p.conf: lists no cooperative"),
    ])
    func refusesWithFileAndLine(text: String, message: String) throws {
        let filled = text.replacingOccurrences(of: "KEYA", with: keyA).replacingOccurrences(of: "KEYB", with: keyB)
        do {
            _ = try ProvinceConfig(parsing: filled, file: "p.conf")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test func aWitnessKeyIsNotACooperativeKey() throws {
        let witness = try NoteSigner(name: "w.example/w1", type: .cosignatureV1, seed: [UInt8](repeating: 3, count: 32)).verifier.vkey
        #expect(throws: ProvinceConfigError.self) {
            try ProvinceConfig(parsing: "cooperative W http://w.example \(witness)", file: "p.conf")
        }
    }
}
