import LedgerStore
import Provenance

/// The English texts of the manifest checks that are not a plain rule, built in this one place so
/// that they can move to the message catalogues whole.
enum ManifestText {
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    /// The accepted date forms, with the same day written both ways.
    static let dateForms = "write YYYY-MM-DD or DD/MM/YYYY (day first: 10 November 2026 is 2026-11-10 or 10/11/2026)"

    /// Why `value` in a date column is refused, or nil for a date.
    static func dateProblem(column: String, value: String, reading: Identifiers.DateReading) -> String? {
        let quoted = "\(column) '\(EntryValidator.printable(value))'"
        switch reading {
        case .date:
            return nil
        case .notADate:
            return "\(quoted) is not a date; \(dateForms)"
        case .noSuchDay(.month(let month, let dayFirst)):
            let order = dayFirst && month <= 31
                ? "; dates are day/month/year (DD/MM/YYYY): month/day/year (MM/DD/YYYY) is not accepted" : ""
            return "\(quoted): no such day, there is no month \(month)\(order)"
        case .noSuchDay(.day(let day, let month, let year, let days)):
            return "\(quoted): no such day, \(monthNames[month - 1]) \(year) has \(days) days" + (day == 0 ? " (day 0)" : "")
        case .noSuchDay(.yearBefore1900(let year)):
            return "\(quoted): no such day here, year \(year) is before 1900"
        }
    }
}
