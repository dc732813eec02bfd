import LedgerStore
import Provenance
import ProvenanceTestSupport
import Testing

/// The one definition of the identifiers, and the ledger applying it.
@Suite struct IdentifiersTests {
    @Test func datesAreDigitsOnlyAndReal() {
        // `Int("+1")` is 1, and fullwidth digits are `isNumber`: both once passed as dates.
        for bad in ["2026-+1-05", "+026-01-05", "2026-01-+5", "2026-1-05", " 2026-01-05", "2026-01-05 ", "２０２６-01-05",
                    "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "1899-12-31", "2026/01/05", ""] {
            #expect(!Identifiers.isDate(bad), "\(bad)")
        }
        for good in ["2024-02-29", "2000-02-29", "1900-01-01", "2026-12-31", "9999-12-31"] {
            #expect(Identifiers.isDate(good), "\(good)")
        }
    }

    @Test func gtinCheckDigit() {
        #expect(Identifiers.isGTIN14("09506000134352"))
        #expect(!Identifiers.isGTIN14("09506000134353"))
        #expect(!Identifiers.isGTIN14("9506000134352"))                   // GTIN-13 is not GTIN-14
        #expect(Identifiers.normalisedGTIN("9506000134352") == "09506000134352")
        #expect(Identifiers.normalisedGTIN("96385074") == "00000096385074")   // GTIN-8
        #expect(Identifiers.normalisedGTIN("+9506000134352") == nil)
    }

    @Test func codes() {
        #expect(Identifiers.isLotCode("A/B<1>\"x\"") && !Identifiers.isLotCode("LOT 1") && !Identifiers.isLotCode("LOT-ÄÖ"))
        #expect(Identifiers.isOriginCode(String(repeating: "O", count: 64)) && !Identifiers.isOriginCode(String(repeating: "O", count: 65)))
        #expect(!Identifiers.isOriginCode("VN/1"))
        #expect(Identifiers.digitalLinkURI(gtin: "09506000134352", lotCode: "AB/12 C") == "https://id.gs1.org/01/09506000134352/10/AB%2F12%20C")
    }

    @Test func theLedgerRefusesABadDateBeforeSigning() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("O1")], signer: fixture.signer)
        let lot = LotRecord(lotCode: "L1", originCode: "O1", farmID: "f", cooperative: "c", crop: "tomato", harvestDate: "2026-+1-05")
        #expect(throws: LedgerError.self) { try fixture.ledger.append([.lot(lot)], signer: fixture.signer) }
        #expect(try fixture.ledger.size() == 2)
    }
}
