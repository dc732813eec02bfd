import Foundation
import LedgerStore
import Provenance
import ProvenanceTestSupport
import Testing

@Suite struct CanonicalJSONTests {
    private func canonical(_ text: String) throws -> String {
        String(decoding: try CanonicalJSON.encode(try JSONParser.parse(Array(text.utf8))), as: UTF8.self)
    }

    @Test func sortsKeysDropsWhitespaceAndEscapesLikeJCS() throws {
        #expect(try canonical(#"{ "b" : [1, -2, 0], "a": {"z": null, "y": true}, "c": "x/y" }"#)
                == #"{"a":{"y":true,"z":null},"b":[1,-2,0],"c":"x/y"}"#)
        #expect(try canonical(#"["\u0041\n\t\"\\\u001f\u00e9\u20ac\ud83d\ude00"]"#) == "[\"A\\n\\t\\\"\\\\\\u001fé€😀\"]")
        #expect(try canonical(#"{"\u0062":1,"a":2}"#) == #"{"a":2,"b":1}"#)
        #expect(try canonical("9007199254740991") == "9007199254740991")
    }

    @Test func stringsAreNormalisedToNFC() throws {
        let nfd = "Nguye\u{0302}\u{0303}n Văn A"   // NFD as some phones send it
        let encoded = try CanonicalJSON.encode(.string(nfd))
        #expect(encoded == Array("\"Nguyễn Văn A\"".utf8))
        #expect(encoded == (try CanonicalJSON.encode(.string("Nguyễn Văn A"))))
        let fromNFD = try EntryBody(json: Array(#"{"type":"origin","origin_code":"O","farm_id":"f","farm_name":"Nguye\#u{0302}\#u{0303}n","crop":"c"}"#.utf8))
        #expect(Array((fromNFD.normalised().fields["farm_name"]?.stringValue ?? "").utf8) == Array("Nguyễn".utf8))
    }

    /// `nfc` skips Foundation's normaliser for Latin and Vietnamese letters: it must give the same
    /// bytes as the normaliser on every one of them, and still normalise what follows them.
    @Test func quickCheckedStringsAreAlreadyNFC() throws {
        for value in Array(0x20..<0x300) + Array(0x1E00...0x1EFF) + Array(0x2002...0x206F) + Array(0x20A0...0x20C0) {
            let text = "a" + String(Character(try #require(Unicode.Scalar(value)))) + "Đồng Tháp"
            #expect(Array(CanonicalJSON.nfc(text).utf8) == Array(text.precomposedStringWithCanonicalMapping.utf8), "U+\(String(value, radix: 16))")
        }
        #expect(Array(CanonicalJSON.nfc("Lậy e\u{0302}\u{0301}").utf8) == Array("Lậy ế".utf8))   // a combining mark after quick-checked letters
        #expect(Array(CanonicalJSON.nfc("Ω \u{2126}").utf8) == Array("Ω Ω".utf8))   // OHM SIGN: NFC maps it to omega
        #expect(Array(CanonicalJSON.nfc("5 \u{2000}₫").utf8) == Array("5 \u{2002}₫".utf8))   // EN QUAD, left out of the quick check: NFC maps it
    }

    @Test func rejectsWhatEntriesMayNotHold() throws {
        for bad in ["1.5", "1e3", "-0", "01", "9007199254740992", #"{"a":1,"a":2}"#, #""\ud800""#, "[1,]", #"{"a":1} x"#,
                    "\"tab\there\"", String(repeating: "[", count: 40) + String(repeating: "]", count: 40)] {
            #expect(throws: EntryError.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
        #expect(throws: EntryError.self) { try JSONParser.parse([0x22, 0xff, 0x22]) }   // invalid UTF-8
        #expect(throws: EntryError.self) { try CanonicalJSON.encode(.object(["ключ": 1])) }   // non-ASCII key
    }

    @Test func nonCanonicalStoredBytesAreRefused() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let entry = try #require(try fixture.ledger.entry(seq: 0))
        let bytes = entry.canonicalBytes
        #expect(try LedgerEntry(canonicalBytes: bytes).leafHash == entry.leafHash)
        let spaced = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"seq\":0", with: "\"seq\": 0").utf8)
        #expect(throws: EntryError.notCanonical) { try LedgerEntry(canonicalBytes: spaced) }
    }

    @Test func recordedAtRoundTrips() {
        for ms: Int64 in [0, 1_767_225_600_000, 951_782_400_123, 4_102_444_799_999] {
            #expect(LedgerTime.parse(LedgerTime.format(millisecondsSinceEpoch: ms)) == ms)
        }
        #expect(LedgerTime.format(millisecondsSinceEpoch: 951_782_400_123) == "2000-02-29T00:00:00.123Z")
        #expect(LedgerTime.parse("2026-02-29T00:00:00.000Z") == nil)
        // Query times: RFC 3339 with offsets and any fraction, nothing looser.
        #expect(LedgerTime.parseRFC3339("2026-11-03T08:00:00Z") == 1_793_692_800)
        #expect(LedgerTime.parseRFC3339("2026-11-03T15:00:00+07:00") == 1_793_692_800)
        #expect(LedgerTime.parseRFC3339("2026-11-02T23:30:00.25-08:30") == 1_793_692_800.25)
        #expect(LedgerTime.parseRFC3339("2026-11-03t08:00:00.0669z") == 1_793_692_800.0669)
        #expect(LedgerTime.parseRFC3339("2024-02-29T00:00:00Z") != nil)
        for bad in ["2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-03T24:00:00Z", "2026-11-03T08:60:00Z", "2026-11-03T08:00:60Z",
                    "2026-11-03T08:00:00+24:00", "2026-11-03T08:00:00+99:99", "2026-11-03T08:00:00-00:60", "2026-11-03T08:00:00",
                    "2026-11-03T08:00:00.Z", "2026-11-03 08:00:00Z", "+2026-11-03T08:00:00Z", "12026-11-03T08:00:00Z", "2026-11-03T08:00:00+0700",
                    "2026-11-03T08:00:00Zx", "2026-13-03T08:00:00Z", "2026-00-03T08:00:00Z", "2026-11-00T08:00:00Z", "२०२६-11-03T08:00:00Z"] {
            #expect(LedgerTime.parseRFC3339(bad) == nil, "\(bad)")
        }
        #expect(LedgerTime.parse("2026-01-01T00:00:00Z") == nil)
    }

    @Test func gs1DigitalLinkAndIdentifiers() throws {
        #expect(Identifiers.digitalLinkURI(gtin: "09506000134352", lotCode: "AB/12 C") == "https://id.gs1.org/01/09506000134352/10/AB%2F12%20C")
        #expect(throws: EntryError.self) { try Identifiers.checkGTIN14("09506000134353", field: "gtin") }
        #expect(throws: EntryError.self) { try Identifiers.checkLotCode("LOT-ÄÖ", field: "lot_code") }
        #expect(throws: EntryError.self) { try Identifiers.checkLotCode(String(repeating: "A", count: 21), field: "lot_code") }
    }
}

@Suite struct CanonicalParseTests {
    private func accepts(_ text: String) -> Bool {
        (try? JSONParser.parse(Array(text.utf8), canonical: true)) != nil
    }

    @Test func canonicalModeAcceptsExactlyTheEncoderOutput() throws {
        let values: [JSONValue] = [
            ["b": [1, -2, 0], "a": ["z": nil, "y": true], "c": "x/y\n\"\\\u{1}é"],
            .string("Nguyễn\u{7f}\u{8}\t"), [], [:], 9_007_199_254_740_991,
        ]
        for value in values {
            let bytes = try CanonicalJSON.encode(value)
            #expect(try JSONParser.parse(bytes, canonical: true) == value, "\(String(decoding: bytes, as: UTF8.self))")
        }
        for bad in [#"{"a":1, "b":2}"#, #"{"b":1,"a":2}"#, #"["\/"]"#, #"["\u0041"]"#, #"["\u001F"]"#, #"["\u000a"]"#,
                    "[\"Nguye\u{0302}\u{0303}n\"]", " 1", "[1 ]"] {
            #expect(!accepts(bad), "\(bad)")
            #expect((try? JSONParser.parse(Array(bad.utf8))) != nil, "still valid JSON: \(bad)")
        }
        #expect(accepts(#"["\u001f","\n"]"#))
    }

    @Test func storedEntriesHaveOneSpellingOfEachField() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        let result = try fixture.ledger.append([ProvenanceFixture.origin("O1"), ProvenanceFixture.lot("L1", origin: "O1"), ProvenanceFixture.grading("L1")],
                                               signer: fixture.signer)
        func mutated(_ entry: LedgerEntry, _ from: String, _ to: String) -> [UInt8] {
            Array(String(decoding: entry.canonicalBytes, as: UTF8.self).replacingOccurrences(of: from, with: to).utf8)
        }
        let lot = result.appended[1], grading = result.appended[2]
        // A derived field left out, a null written for an absent field, a default written out.
        let noURI = mutated(lot, #""gs1_uri":"https://id.gs1.org/01/09506000134352/10/L1","#, "")
        let nullField = mutated(lot, #""harvest_date""#, #""gs1_uri_note":null,"harvest_date""#)
        let falseFlag = mutated(grading, #""grade":"Premium","#, #""grade":"Premium","needs_review":false,"#)
        for bytes in [noURI, nullField, falseFlag] {
            #expect(bytes != lot.canonicalBytes && bytes != grading.canonicalBytes)
            #expect(throws: EntryError.self) { try LedgerEntry(canonicalBytes: bytes).record() }
        }
    }
}
