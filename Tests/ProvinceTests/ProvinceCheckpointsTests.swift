import Foundation
import Province
import Testing

/// The checkpoint addresses `audit --province` and `ledger verify --province` read from an
/// aggregator's `/status`, which is hostile input like any other answer.
@Suite struct ProvinceCheckpointsTests {
    static let status = Data("""
        {"cooperatives":[
          {"name":"HTX-A","base_url":"http://a","status":"following","entries":10,"checkpoint_size":10},
          {"name":"HTX-B","base_url":"http://b","status":"halted","entries":7,"checkpoint_size":7,
           "evidence":[{"kind":"rollback","detail":"…","earlier_checkpoint":"x","later_checkpoint":"y"},
                       {"kind":"rule","detail":"…","later_checkpoint":"z"}]},
          {"name":"HTX-NEW","base_url":"http://c","status":"following","entries":0,"checkpoint_size":0}
        ]}
        """.utf8)

    @Test func theLatestVerifiedCheckpointAndEveryEvidenceNote() throws {
        let base = try #require(URL(string: "http://province.example:8090"))
        #expect(try ProvinceCheckpoints.addresses(province: base, cooperative: "HTX-A", status: Self.status).map(\.absoluteString)
                == ["http://province.example:8090/checkpoint/HTX-A"])
        #expect(try ProvinceCheckpoints.addresses(province: base, cooperative: "HTX-B", status: Self.status).map(\.absoluteString) == [
            "http://province.example:8090/checkpoint/HTX-B",
            "http://province.example:8090/audit/HTX-B/evidence/1/earlier", "http://province.example:8090/audit/HTX-B/evidence/1/later",
            "http://province.example:8090/audit/HTX-B/evidence/2/later",
        ])
        // Nothing verified yet: nothing to check, and no address that would only answer 404.
        #expect(try ProvinceCheckpoints.addresses(province: base, cooperative: "HTX-NEW", status: Self.status).isEmpty)
        // A province served under a path, given with a trailing slash.
        let prefixed = try #require(URL(string: "https://example.org/province/"))
        #expect(try ProvinceCheckpoints.addresses(province: prefixed, cooperative: "HTX-A", status: Self.status).map(\.absoluteString)
                == ["https://example.org/province/checkpoint/HTX-A"])
    }

    @Test func namesAreComparedAsBytesAndAnUnknownOneListsTheOthers() throws {
        let base = try #require(URL(string: "http://p"))
        for name in ["htx-a", "HTX-A ", "HTX-C"] {
            #expect {
                try ProvinceCheckpoints.addresses(province: base, cooperative: name, status: Self.status)
            } throws: { error in
                "\(error)".contains("follows no cooperative named") && "\(error)".contains("HTX-A, HTX-B, HTX-NEW")
            }
        }
    }

    @Test func anAnswerThatIsNotAStatusIsRefused() throws {
        let base = try #require(URL(string: "http://p"))
        // A field of another shape would otherwise drop a checkpoint from the check without a word.
        let halted = { (fields: String) in "{\"cooperatives\":[{\"name\":\"HTX-A\",\"status\":\"halted\",\(fields)}]}" }
        for body in ["", "<html>", "[]", "{\"cooperatives\":3}", "{\"error\":\"x\"}", "\u{FF}\u{FE}",
                     halted("\"checkpoint_size\":\"7\""), halted("\"checkpoint_size\":7.5"), halted("\"evidence\":{}"),
                     halted("\"evidence\":[{\"later_checkpoint\":\"y\"},1]"), halted("\"evidence\":[{\"earlier_checkpoint\":\"x\"}]"),
                     halted("\"evidence\":[{\"earlier_checkpoint\":5,\"later_checkpoint\":\"y\"}]"),
                     // A negative size, a halt without its evidence, the cooperative listed twice.
                     halted("\"checkpoint_size\":-1,\"evidence\":[{\"later_checkpoint\":\"y\"}]"), halted("\"checkpoint_size\":7"),
                     "{\"cooperatives\":[{\"name\":\"HTX-A\",\"checkpoint_size\":0},{\"name\":\"HTX-A\",\"checkpoint_size\":7}]}"] {
            #expect {
                try ProvinceCheckpoints.addresses(province: base, cooperative: "HTX-A", status: Data(body.utf8))
            } throws: { error in
                "\(error)".contains("http://p/status did not answer with the province's status")
            }
        }
    }

    @Test func aNameThatCannotBeAPathSegmentIsRefusedBeforeAnyFetch() async throws {
        // Port 9 (discard) on loopback: a fetch would fail differently, so the refusal comes first.
        let base = try #require(URL(string: "http://127.0.0.1:9"))
        for name in ["..", ".", "a/b", "", "HTX A", String(repeating: "x", count: 65)] {
            await #expect {
                _ = try await ProvinceCheckpoints.addresses(province: base, cooperative: name, timeout: .seconds(5))
            } throws: { error in
                "\(error)".contains("must be 1–64 of")
            }
        }
    }

    @Test func aProvinceAddressWithQueryFragmentOrCredentialsIsRefused() async throws {
        for text in ["http://127.0.0.1:9/?x", "http://127.0.0.1:9/#", "http://user:pw@127.0.0.1:9"] {
            let base = try #require(URL(string: text))
            await #expect {
                _ = try await ProvinceCheckpoints.addresses(province: base, cooperative: "HTX-A", timeout: .seconds(5))
            } throws: { error in
                "\(error)".contains("expected an http:// or https:// address")
            }
        }
        // A province that follows nobody says so, without an empty list.
        #expect {
            try ProvinceCheckpoints.addresses(province: URL(string: "http://p")!, cooperative: "HTX-A", status: Data("{\"cooperatives\":[]}".utf8))
        } throws: { error in
            "\(error)" == "the province at http://p follows no cooperative"
        }
    }
}
