import LedgerStore
import Provenance
import ProvenanceTestSupport
import Testing

/// The one text rule's later additions, held on both sides: what the writer refuses, the reader
/// refuses (a stored entry carrying it, signed or not, does not read back).
@Suite struct TextRuleTests {
    static let bidiControls: [Unicode.Scalar] = [
        "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}",
        "\u{200E}", "\u{200F}", "\u{061C}",
    ]

    /// An origin entry whose farm name is `placeholder`, signed, then that text replaced in the
    /// stored bytes by `text`: what a reader may be handed.
    static func stored(farmName text: String, in fixture: ProvenanceFixture) throws -> [UInt8] {
        let placeholder = "PLACEHOLDER-PLACEHOLDER"
        let entry = try #require(try fixture.ledger.append([.origin(OriginRecord(originCode: "O-\(fixture.ledger.size())", farmID: "f1",
                                                                                  farmName: placeholder, crop: "mango"))],
                                                           signer: fixture.signer).appended.first)
        let bytes = entry.canonicalBytes
        let needle = Array(placeholder.utf8)
        let start = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        return Array(bytes[..<start]) + Array(text.utf8) + Array(bytes[(start + needle.count)...])
    }

    @Test func bidirectionalControlsAreRefusedByWriterAndReader() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        for scalar in Self.bidiControls {
            let text = "F1 (A\(Character(scalar))(B"
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let code = hex.count < 4 ? String(repeating: "0", count: 4 - hex.count) + hex : hex
            try WriterReaderAgreementTests.expectRefused([.origin(OriginRecord(originCode: "O1", farmID: "f1", farmName: text, crop: "mango"))],
                                                         in: fixture, mentioning: "farm_name")
            try WriterReaderAgreementTests.expectRefused([.origin(OriginRecord(originCode: "O1", farmID: "f1", farmName: text, crop: "mango"))],
                                                         in: fixture, mentioning: "bidirectional formatting character U+\(code)")
            let bytes = try Self.stored(farmName: text, in: fixture)
            #expect(throws: EntryError.self, "U+\(code)") { try LedgerEntry(canonicalBytes: bytes) }
            #expect(Identifiers.textProblem(text)?.description.contains("U+\(code)") == true)
        }
        // Right-to-left and Vietnamese text without controls is fine.
        try fixture.ledger.append([.origin(OriginRecord(originCode: "O-ok", farmID: "f1", farmName: "مزرعة النخيل – Nông trại Đồng Tháp",
                                                        crop: "mango"))], signer: fixture.signer)
        #expect(try fixture.ledger.verify().isIntact)
    }

    /// Strings are limited to `maxStringScalars`, exactly, on both sides; one made of a character
    /// NFC expands (U+1D15E → 2 scalars) is refused quickly, not normalised for seconds first.
    @Test func stringLengthLimitIsExactOnBothSidesAndFast() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let limit = EntryValidator.maxStringScalars
        try fixture.ledger.append([.origin(OriginRecord(originCode: "O1", farmID: "f1", farmName: String(repeating: "ễ", count: limit), crop: "mango"))],
                                  signer: fixture.signer)
        try WriterReaderAgreementTests.expectRefused([.origin(OriginRecord(originCode: "O2", farmID: "f1", farmName: String(repeating: "ễ", count: limit + 1),
                                                                           crop: "mango"))], in: fixture, mentioning: "longer than \(limit)")
        // Within the limit as given, over it once normalised: refused (the stored form is what counts).
        try WriterReaderAgreementTests.expectRefused([.origin(OriginRecord(originCode: "O2", farmID: "f1",
                                                                           farmName: String(repeating: "\u{1D15E}", count: limit / 2 + 1), crop: "mango"))],
                                                     in: fixture, mentioning: "longer than \(limit)")
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try WriterReaderAgreementTests.expectRefused([.origin(OriginRecord(originCode: "O2", farmID: "f1",
                                                                               farmName: String(repeating: "\u{1D15E}", count: 200_000), crop: "mango"))],
                                                         in: fixture, mentioning: "longer than \(limit)")
            let bytes = try Self.stored(farmName: String(repeating: "\u{1D15E}", count: 200_000), in: fixture)
            #expect(throws: EntryError.self) { try LedgerEntry(canonicalBytes: bytes) }
        }
        // It took 17 s before the limit; normalising 200,000 scalars at all takes over a second.
        #expect(elapsed < .seconds(3), "\(elapsed)")
        let bytes = try Self.stored(farmName: String(repeating: "x", count: limit + 1), in: fixture)
        #expect(throws: EntryError.self) { try LedgerEntry(canonicalBytes: bytes) }
        #expect(try LedgerEntry(canonicalBytes: try Self.stored(farmName: String(repeating: "x", count: limit), in: fixture)).body.type == "origin")
    }
}
