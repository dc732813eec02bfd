import LedgerStore
import Provenance
import Testing
@testable import Traceability

@Suite struct LotIdentifierTests {
    @Test func percentEscapesNeedTwoHexDigitsNotASign() {
        #expect(LotIdentifier.percentDecoded("A%2FB%c3%a1") == "A/Bá")
        for malformed in ["%+f", "%-1", "%2", "%", "%g0", "%0x", "% 1", "%c3"] {
            #expect(LotIdentifier.percentDecoded("L" + malformed) == nil, "\(malformed)")
        }
    }

    /// The base address printed on every label: a user or password would be published with it,
    /// a query or fragment would swallow the lot path, and anything outside printable ASCII reads
    /// differently on different scanners.
    @Test func publicBaseURLsAreHTTPAddressesWithNothingElse() throws {
        #expect(try PublicBaseURL.validated("https://trace.coop.example/") == "https://trace.coop.example")
        #expect(try PublicBaseURL.validated("http://127.0.0.1:8080/htx") == "http://127.0.0.1:8080/htx")
        #expect(try PublicBaseURL.validated("https://xn--hp-tc-7va.example") == "https://xn--hp-tc-7va.example")
        let longest = "https://trace.example/" + String(repeating: "a", count: PublicBaseURL.maxBytes - 22)
        #expect(try PublicBaseURL.validated(longest) == longest)
        for refused in ["https://user:pw@trace.example", "https://user@trace.example", "https://trace.example/?a=1",
                        "https://trace.example#x", "ftp://trace.example", "https://", "trace.example", "https://trace .example",
                        "https://hợp-tác.example", "https://trace.example/\u{0}", "https://trace.example/\u{202E}", "", "javascript:alert(1)",
                        "https://trace.example/" + String(repeating: "a", count: 110)] {
            #expect(throws: PublicBaseURLError.self, "\(refused)") { try PublicBaseURL.validated(refused) }
        }
    }

    @Test func gtinLotsGetTheGS1DigitalLinkTheLedgerRecords() {
        let id = LotIdentifier(lot: "DT-LV-261103-01", gtin: "08936045120019")
        #expect(id.uri == "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01")
        #expect(id.uri == Identifiers.digitalLinkURI(gtin: "08936045120019", lotCode: "DT-LV-261103-01"))
        // Lot codes may hold GS1 AI (10) punctuation, which must be percent-encoded the same way.
        let odd = LotIdentifier(lot: "A/B 1%", gtin: "08936045120019")
        #expect(odd.uri == Identifiers.digitalLinkURI(gtin: "08936045120019", lotCode: "A/B 1%"))
        #expect(odd.uri.hasSuffix("/10/A%2FB%201%25"))
    }

    @Test func lotsWithoutAValidGTINFallBackToOurURN() {
        #expect(LotIdentifier(lot: "DT-CT-261104-01", gtin: nil).uri == "urn:agritrace:lot:DT-CT-261104-01")
        // A wrong check digit must not produce a GS1 identifier.
        #expect(LotIdentifier(lot: "X1", gtin: "08936045120018") == .fallback(lot: "X1"))
        #expect(LotIdentifier.normalisedGTIN("8936045120019") == "08936045120019")
        #expect(LotIdentifier.normalisedGTIN("0893604512001") == nil)
    }

    @Test func parsesBothFormsBackIncludingOtherResolversAndQueries() {
        #expect(LotIdentifier(uri: "https://id.gs1.org/01/08936045120019/10/DT-LV-261103-01")
                == .digitalLink(gtin: "08936045120019", lot: "DT-LV-261103-01"))
        #expect(LotIdentifier(uri: "https://coop.example/01/08936045120019/10/A%2FB?linkType=all")
                == .digitalLink(gtin: "08936045120019", lot: "A/B"))
        #expect(LotIdentifier(uri: "urn:agritrace:lot:DT-CT-261104-01") == .fallback(lot: "DT-CT-261104-01"))
        #expect(LotIdentifier(uri: "https://id.gs1.org/01/08936045120018/10/X") == nil)   // bad check digit
        #expect(LotIdentifier(uri: "DT-CT-261104-01") == nil)
        #expect(LotIdentifier(uri: "urn:agritrace:lot:%G1") == nil)
    }

    /// The EPC class URI of a GTIN and lot (GS1 Tag Data Standard): the company prefix's length
    /// varies, the indicator digit moves to the front, the check digit is computed.
    @Test func parsesTheEPCClassURIOfAGTINAndLot() {
        // The Tag Data Standard's own example: GTIN 04012345123456, company prefix 4012345.
        #expect(LotIdentifier(uri: "urn:epc:class:lgtin:4012345.012345.998877") == .digitalLink(gtin: "04012345123456", lot: "998877"))
        for (prefix, rest) in [("9506000", "013435"), ("950600", "0013435"), ("950600013435", "0")] {
            #expect(LotIdentifier(uri: "urn:epc:class:lgtin:\(prefix).\(rest).DT-LV.01%2F2")
                    == .digitalLink(gtin: "09506000134352", lot: "DT-LV.01/2"), "\(prefix).\(rest)")
        }
        for bad in ["urn:epc:class:lgtin:95060.00013435.X", "urn:epc:class:lgtin:9506000134352.0.X", "urn:epc:class:lgtin:9506000.01343.X",
                    "urn:epc:class:lgtin:9506000.013435.", "urn:epc:class:lgtin:9506000.013435", "urn:epc:class:lgtin:9506000.01343A.X",
                    "urn:epc:class:lgtin:9506000.013435.%ZZ", "urn:epc:class:lgtin:"] {
            #expect(LotIdentifier(uri: bad) == nil, "\(bad)")
        }
    }
}
