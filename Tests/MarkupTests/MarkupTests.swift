import Markup
import Testing
import TestSupport

@Suite struct MarkupTests {
    /// Scalars that merge with a neighbouring `<` or `>` into one `Character` (grapheme cluster):
    /// combining marks, prepended concatenation marks, ZWJ, variation selectors, plus a few
    /// ordinary letters so plain text is mixed in.
    static let joiners: [Unicode.Scalar] =
        (0x0300...0x036F).map { Unicode.Scalar($0)! } + (0x0600...0x0605).map { Unicode.Scalar($0)! }
        + [Unicode.Scalar(0x200D)!, Unicode.Scalar(0x200C)!, Unicode.Scalar(0x034F)!]
        + (0xFE00...0xFE0F).map { Unicode.Scalar($0)! } + (0xE0100...0xE0103).map { Unicode.Scalar($0)! }
        + ["a", "ở", "🍅", " "]
    static let asciiSpecials: [Unicode.Scalar] = Array("&<>\"'=/`!%()*+,-.:;?@[\\]^_{|}~#$".unicodeScalars)
    static let markupBytes: Set<UInt8> = [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'")]

    /// Asserts that no `<`, `>`, `"` or `'` reaches the output, that every `&` starts one of our
    /// entities, and that decoding the entities gives the input back (nothing lost or added).
    static func expectInert(_ input: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let output = Array(Markup.escapeHTML(input).utf8)
        let raw = output.filter(markupBytes.contains)
        #expect(raw.isEmpty, "raw markup bytes \(raw) in the escaped form of \(input.unicodeScalars.map { String($0.value, radix: 16) })",
                sourceLocation: sourceLocation)
        var decoded: [UInt8] = [], index = 0
        let entities: [(String, UInt8)] = [("&amp;", 0x26), ("&lt;", 0x3C), ("&gt;", 0x3E), ("&quot;", 0x22), ("&#39;", 0x27)]
        while index < output.count {
            if output[index] == UInt8(ascii: "&") {
                guard let (entity, byte) = entities.first(where: { output[index...].starts(with: $0.0.utf8) }) else {
                    Issue.record("bare & at byte \(index)", sourceLocation: sourceLocation)
                    return
                }
                decoded.append(byte)
                index += entity.utf8.count
            } else {
                decoded.append(output[index])
                index += 1
            }
        }
        #expect(decoded == Array(input.utf8), sourceLocation: sourceLocation)
    }

    @Test func everySpecialNextToEveryJoiningScalarIsEscaped() {
        for special in Self.asciiSpecials {
            for joiner in Self.joiners {
                for scalars in [[joiner, special], [special, joiner], [joiner, special, joiner],
                                [joiner, joiner, special, joiner, joiner], ["x", joiner, special, "\u{200D}", joiner, "y"]] {
                    var text = String.UnicodeScalarView()
                    text.append(contentsOf: scalars)
                    Self.expectInert(String(text))
                }
            }
        }
    }

    /// The bypass found in review: tags whose `<` and `>` sit inside larger grapheme clusters.
    @Test func theReportedPayloadsStayText() {
        let payloads = ["\u{0600}<img src=x onerror=alert(1)>", "<style\u{0301}>body{display:none}</style>\u{0301}",
                        "\u{0605}<a href=\"https://attacker.example/\">x</a\u{0300}>", "'\u{FE0F}\"\u{200D}<\u{20E3}"]
        for payload in payloads {
            // The whole point: Character-wise comparison does not see these `<`.
            #expect(payload.unicodeScalars.contains("<"))
            Self.expectInert(payload)
        }
    }

    @Test func randomMixturesAreEscaped() {
        var random = SeededGenerator(seed: 10)
        let pool = Self.joiners + Self.asciiSpecials + Self.asciiSpecials
        for _ in 0..<5_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 1...24, using: &random) { text.append(pool.randomElement(using: &random)!) }
            Self.expectInert(String(text))
        }
    }

    @Test func controlCharactersBecomeReplacementCharacters() {
        let escaped = Markup.escapeHTML("a\u{0}b\u{1B}c\u{7F}d\u{85}e\t\n\r")
        #expect(escaped == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\t\n\r")
    }

    @Test func thePolicyForbidsScriptsRemoteLoadsAndForeignStyles() {
        let policy = Markup.contentSecurityPolicy(styleSHA256: ["abc="])
        for directive in ["default-src 'none'", "script-src 'none'", "img-src data:", "style-src 'sha256-abc='",
                          "base-uri 'none'", "form-action 'none'"] {
            #expect(policy.contains(directive), "missing \(directive)")
        }
        #expect(!policy.contains("unsafe"))
        #expect(Markup.contentSecurityPolicy(styleSHA256: []).contains("style-src 'none'"))
        let meta = Markup.contentSecurityPolicyMeta(styleSHA256: ["abc="])
        #expect(meta.hasPrefix("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;;"))
    }
}
