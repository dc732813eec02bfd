import Foundation
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

    @Test func datesAreReadInBothFormsAndStoredISO() {
        #expect(Identifiers.readDate("10/11/2026") == .date("2026-11-10"))    // day first: 10 November
        #expect(Identifiers.readDate("1/2/2026") == .date("2026-02-01"))
        #expect(Identifiers.readDate("2026-11-10") == .date("2026-11-10"))
        #expect(Identifiers.readDate("29/02/2024") == .date("2024-02-29"))
        // Entries hold ISO only: a day-first date is read, never recorded as written.
        #expect(!Identifiers.isDate("10/11/2026"))
    }

    @Test func noSuchDayIsToldApartFromNotADate() {
        #expect(Identifiers.readDate("31/02/2026") == .noSuchDay(.day(31, month: 2, year: 2026, days: 28)))
        #expect(Identifiers.readDate("2026-02-30") == .noSuchDay(.day(30, month: 2, year: 2026, days: 28)))
        #expect(Identifiers.readDate("00/01/2026") == .noSuchDay(.day(0, month: 1, year: 2026, days: 31)))
        #expect(Identifiers.readDate("11/25/2026") == .noSuchDay(.month(25, dayFirst: true)))   // month/day order
        #expect(Identifiers.readDate("2026-13-01") == .noSuchDay(.month(13, dayFirst: false)))
        #expect(Identifiers.readDate("31/12/1899") == .noSuchDay(.yearBefore1900(1899)))
        for text in ["10/11", "abc", "", "10/11/26", "2026-1-05", "10.11.2026", "10-11-2026", "2026/11/10", "100/11/2026",
                     "１０/11/2026", "+1/11/2026", "10/+1/2026", " 10/11/2026", "10/11/2026 ", "10//2026", "10/11/2026/1"] {
            #expect(Identifiers.readDate(text) == .notADate, "\(text)")
        }
    }

    /// Every day number 0...32 of months 0...13 in leap and common years, in both forms, against
    /// Foundation's Gregorian calendar as an independent judge of which days exist.
    @Test func bothFormsAgreeWithTheGregorianCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for year in [1900, 1999, 2000, 2024, 2026, 2100] {
            for month in 0...13 {
                for day in 0...32 {
                    let exists = DateComponents(calendar: calendar, year: year, month: month, day: day).isValidDate(in: calendar)
                        && (1...12).contains(month)
                    let iso = String(format: "%04d-%02d-%02d", year, month, day)
                    for text in [iso, String(format: "%02d/%02d/%04d", day, month, year), "\(day)/\(month)/\(year)"] {
                        let reading = Identifiers.readDate(text)
                        if exists {
                            #expect(reading == .date(iso), "\(text)")
                        } else if case .noSuchDay = reading {
                        } else {
                            Issue.record("\(text): \(reading), expected no such day")
                        }
                    }
                }
            }
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
        // Dot segments: a browser resolves them away, encoded or not, so no label could address such a lot.
        #expect(!Identifiers.isLotCode(".") && !Identifiers.isLotCode("..") && Identifiers.isLotCode("...") && Identifiers.isLotCode(".5"))
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
