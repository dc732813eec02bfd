import Foundation
import Testing
@testable import Grading

/// Harvest dates as people write them: ISO or day first, stored ISO; "no such day" told apart
/// from "not a date"; month/day order refused by name.
@Suite struct ManifestDateTests {
    private func read(_ dates: [String]) -> (rows: [Manifest.Row], problems: [UploadProblem]) {
        var text = "file,lot_code,origin_code,farm_id,crop,harvest_date\n"
        for (index, date) in dates.enumerated() { text += "p\(index).jpg,L\(index),O1,F1,x,\(date)\n" }
        var problems: [UploadProblem] = []
        let manifest = Manifest(data: Data(text.utf8), maxRows: 100, problems: &problems)
        return (manifest.rows, problems)
    }

    @Test func dayFirstAndISODatesAreStoredISO() {
        let (rows, problems) = read(["10/11/2026", "2026-11-10", "5/1/2026"])
        #expect(problems.isEmpty)
        #expect(rows.map(\.harvestDate) == ["2026-11-10", "2026-11-10", "2026-01-05"])
    }

    @Test func eachRefusedDateSaysWhyAtItsLine() {
        let (rows, problems) = read(["31/02/2026", "2026-02-30", "10/11", "abc", "11/25/2026", "1/1/1890", "10/11/26"])
        #expect(rows.isEmpty)
        #expect(problems.map(\.description) == [
            "manifest.csv:2: harvest_date '31/02/2026': no such day, February 2026 has 28 days",
            "manifest.csv:3: harvest_date '2026-02-30': no such day, February 2026 has 28 days",
            "manifest.csv:4: harvest_date '10/11' is not a date; \(ManifestText.dateForms)",
            "manifest.csv:5: harvest_date 'abc' is not a date; \(ManifestText.dateForms)",
            "manifest.csv:6: harvest_date '11/25/2026': no such day, there is no month 25; dates are day/month/year (DD/MM/YYYY): month/day/year (MM/DD/YYYY) is not accepted",
            "manifest.csv:7: harvest_date '1/1/1890': no such day here, year 1890 is before 1900",
            "manifest.csv:8: harvest_date '10/11/26' is not a date; \(ManifestText.dateForms)",
        ])
    }

    /// A lot may mix the two forms: rows agree on the day, not on how it was written.
    @Test func rowsOfALotAgreeOnTheDayWhateverItsForm() throws {
        let fixture = try UploadFixture.with(
            photos: ["a/1.jpg": UploadFixture.samplePhoto1, "a/2.jpg": UploadFixture.samplePhoto2],
            manifest: "file,lot_code,origin_code,farm_id,crop,harvest_date\na/1.jpg,L1,O1,F1,x,10/11/2026\na/2.jpg,L1,O1,F1,x,2026-11-10\n")
        defer { fixture.remove() }
        let lots = try UploadValidator.lots(of: try Upload(url: fixture.url))
        #expect(lots.map(\.harvestDate) == ["2026-11-10"])
    }
}
