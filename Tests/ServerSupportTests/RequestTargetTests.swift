import Localization
import ServerSupport
import Testing

/// The one check every server applies to a request's target before routing (RequestTarget).
@Suite struct RequestTargetTests {
    /// Targets outside testers sent, and their relatives: each is refused with this status, or
    /// accepted with exactly these segments (so a route can only match what it names).
    @Test func hostileTargetsAreRefusedOrSplitIntoExactSegments() {
        let refused: [(target: String, status: Int)] = [
            ("//", 400), ("//lot/X", 400), ("//evil.example/", 400), ("//evil.example", 400), ("/lot//X", 400), ("/lot/X//", 400),
            ("/./", 400), ("/.", 400), ("/lot/./X", 400), ("/../", 400), ("/lot/..", 400), ("/%2e%2e/x", 400), ("/%2E", 400),
            ("/lot/%2F", 400), ("/a%2fb", 400), ("/lot/%00", 400), ("/x%0Ay", 400), ("/x%7F", 400), ("/x%C2%85", 400),
            ("/%zz", 400), ("/%4", 400), ("/%+f", 400), ("/%FF", 400),
            ("*", 400), ("evil.example:443", 400), ("?a=b", 400), ("", 400), ("lot/X", 400),
            ("/" + String(repeating: "a", count: RequestTarget.defaultMaxBytes), 414),
            ("/a?" + String(repeating: "b", count: RequestTarget.defaultMaxBytes), 414),
        ]
        for (target, status) in refused {
            #expect(throws: RequestTarget.Refusal.self, "\(target.prefix(40))") { try RequestTarget(target) }
            do { _ = try RequestTarget(target) } catch { #expect(error.status == status, "\(target.prefix(40)): \(error.status)") }
        }
        let accepted: [(target: String, segments: [String], trailingSlash: Bool, query: String?)] = [
            ("/", [], false, nil), ("/?a=b", [], false, "a=b"), ("/lot/X", ["lot", "X"], false, nil), ("/lot/X/", ["lot", "X"], true, nil),
            ("/lot/A%20B?x#frag", ["lot", "A B"], false, "x"), ("/a#b?c", ["a"], false, nil), ("/?", [], false, ""),
            ("/lot/..x", ["lot", "..x"], false, nil), ("/" + String(repeating: "a", count: RequestTarget.defaultMaxBytes - 1), [String(repeating: "a", count: RequestTarget.defaultMaxBytes - 1)], false, nil),
        ]
        for item in accepted {
            let target = try? RequestTarget(item.target)
            #expect(target?.segments == item.segments && target?.trailingSlash == item.trailingSlash && target?.query == item.query,
                    "\(item.target.prefix(40)): \(String(describing: target))")
        }
    }

    /// A server whose routes take a GS1 lot code keeps `%2F` inside its segment, never as a separator.
    @Test func anEncodedSlashIsPartOfItsSegmentOnlyWhereAServerTakesIt() throws {
        #expect(try RequestTarget("/lot/A%2FB-7/proof", encodedSlash: .kept).segments == ["lot", "A/B-7", "proof"])
        #expect(throws: RequestTarget.Refusal.self) { try RequestTarget("/lot/A%2FB-7/proof") }
        // Still no dot segment, however it is spelled.
        #expect(throws: RequestTarget.Refusal.self) { try RequestTarget("/lot/%2e%2e", encodedSlash: .kept) }
    }

    /// Every refusal says why in both languages.
    @Test func refusalsAreSaidInEnglishAndVietnamese() throws {
        for target in ["//", "/%zz", "/..", "/a%2Fb", "*", "/" + String(repeating: "a", count: 3000)] {
            do { _ = try RequestTarget(target); Issue.record("\(target.prefix(20)) accepted") } catch {
                let lines = RequestTarget.inBothLanguages(error.message).split(separator: "\n")
                #expect(lines.count == 2 && lines[0] != lines[1], "\(target.prefix(20)): \(lines)")
            }
        }
    }
}
