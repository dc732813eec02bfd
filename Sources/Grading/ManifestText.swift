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

    /// How to save a spreadsheet as UTF-8 CSV, in Excel's own menu words.
    static let saveAsCSVUTF8 = "Open it in Excel and save it as CSV UTF-8: File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\" "
        + "(Vietnamese Excel: Tệp > Lưu Như > \"CSV UTF-8 (Phân cách bằng dấu phẩy) (*.csv)\"), then upload it again."

    /// The one problem of a manifest that is not UTF-8 text.
    static func notUTF8(_ guess: TextEncodingGuess) -> String {
        let what: String
        switch guess {
        case .utf16(let bigEndian, certain: true):
            what = bigEndian ? "it is UTF-16 (big-endian, as its first two bytes say)"
                : "it is UTF-16 (as its first two bytes say), what Excel writes for \"Unicode Text (*.txt)\""
        case .utf16(_, certain: false):
            what = "it looks like UTF-16 (every other byte is zero)"
        case .windows1258:
            what = "it looks like Windows-1258 (Vietnamese), what Excel writes for \"CSV (Comma delimited) (*.csv)\" on a Windows set to Vietnamese"
        case .windows1252:
            what = "it looks like Windows-1252 (Western European) or another 8-bit code page, what Excel writes for "
                + "\"CSV (Comma delimited) (*.csv)\" on a Windows set to English; Vietnamese letters that code page lacks are lost in it, "
                + "so save it again from the original workbook"
        case .spreadsheetWorkbook:
            what = "it is an Excel workbook (.xlsx or .xls), not CSV text"
        case .unknown:
            what = "its encoding could not be recognised"
        }
        return "is not UTF-8 text: \(what). Nothing in it was read. \(saveAsCSVUTF8)"
    }

    /// A header whose columns are separated by tabs (Excel's "Text (Tab delimited)").
    static let tabSeparated = "the columns are separated by tabs; a manifest separates them by commas or semicolons. " + saveAsCSVUTF8

    /// A quoting problem found by `CSVReader`, naming the column when the header is known.
    static func csvProblem(_ kind: CSVReader.Problem.Kind, field: Int, columns: [String]) -> String {
        let column = field < columns.count ? columns[field] : "field \(field + 1)"
        switch kind {
        case .quoteInUnquotedField:
            return "\(column): a quote inside a field that does not start with one (quote the whole field and double inner quotes)"
        case .textAfterClosingQuote:
            return "\(column): text after the closing quote (double quotes inside a quoted field)"
        case .unclosedQuote:
            return "\(column): the quoted field is never closed"
        }
    }
}
