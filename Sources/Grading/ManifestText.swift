import LedgerStore
import Localization
import Provenance

/// The texts of the manifest checks that take more than one sentence to build, in one place.
public enum ManifestText {
    /// The accepted date forms, with the same day written both ways.
    static let dateForms = Message("write YYYY-MM-DD or DD/MM/YYYY (day first: 10 November 2026 is 2026-11-10 or 10/11/2026)")

    /// Why `value` in a date column (or option) is refused, or nil for a date; the one wording of
    /// `Identifiers.readDate`'s findings, for manifests and `export --since` alike.
    public static func dateProblem(column: String, value: String, reading: Identifiers.DateReading) -> Message? {
        let quoted: [String: MessageArgument] = ["column": .text(column), "value": .text(EntryValidator.printable(value))]
        switch reading {
        case .date:
            return nil
        case .notADate:
            return Message("{column} '{value}' is not a date; {forms}", quoted.merging(["forms": .message(dateForms)]) { a, _ in a })
        case .noSuchDay(.month(let month, let dayFirst)):
            let arguments = quoted.merging(["month": .integer(month)]) { a, _ in a }
            return dayFirst
                ? Message("{column} '{value}': no such day, there is no month {month}; dates are day/month/year (DD/MM/YYYY): month/day/year (MM/DD/YYYY) is not accepted", arguments)
                : Message("{column} '{value}': no such day, there is no month {month}", arguments)
        case .noSuchDay(.day(_, let month, let year, let days)):
            return Message("{column} '{value}': no such day, {month} has {days} days",
                           quoted.merging(["month": .message(monthOfYear(month, year)), "days": .integer(days)]) { a, _ in a })
        case .noSuchDay(.yearBefore1900(let year)):
            return Message("{column} '{value}': no such day here, year {year} is before 1900",
                           quoted.merging(["year": .text(String(year))]) { a, _ in a })
        }
    }

    /// "February 2026" / "tháng 2 năm 2026".
    static func monthOfYear(_ month: Int, _ year: Int) -> Message {
        let arguments: [String: MessageArgument] = ["year": .text(String(year))]
        switch month {
        case 1: return Message("January {year}", arguments)
        case 2: return Message("February {year}", arguments)
        case 3: return Message("March {year}", arguments)
        case 4: return Message("April {year}", arguments)
        case 5: return Message("May {year}", arguments)
        case 6: return Message("June {year}", arguments)
        case 7: return Message("July {year}", arguments)
        case 8: return Message("August {year}", arguments)
        case 9: return Message("September {year}", arguments)
        case 10: return Message("October {year}", arguments)
        case 11: return Message("November {year}", arguments)
        default: return Message("December {year}", arguments)
        }
    }

    /// How to save a spreadsheet as UTF-8 CSV, in Excel's own menu words (the English menu, and
    /// the Vietnamese one for a clerk reading Vietnamese).
    static let saveAsCSVUTF8 = Message("Open it in Excel and save it as CSV UTF-8: File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\" (Vietnamese Excel: Tệp > Lưu Như > \"CSV UTF-8 (Phân cách bằng dấu phẩy) (*.csv)\"), then upload it again.")

    /// The one problem of a manifest that is not UTF-8 text.
    static func notUTF8(_ guess: TextEncodingGuess) -> Message {
        let what: Message
        switch guess {
        case .utf16(bigEndian: true, certain: true):
            what = Message("it is UTF-16 (big-endian, as its first two bytes say)")
        case .utf16(bigEndian: false, certain: true):
            what = Message("it is UTF-16 (as its first two bytes say), what Excel writes for \"Unicode Text (*.txt)\"")
        case .utf16(_, certain: false):
            what = Message("it looks like UTF-16 (every other byte is zero)")
        case .windows1258:
            what = Message("it looks like Windows-1258 (Vietnamese), what Excel writes for \"CSV (Comma delimited) (*.csv)\" on a Windows set to Vietnamese")
        case .windows1252:
            what = Message("it looks like Windows-1252 (Western European) or another 8-bit code page, what Excel writes for \"CSV (Comma delimited) (*.csv)\" on a Windows set to English; Vietnamese letters that code page lacks are lost in it, so save it again from the original workbook")
        case .spreadsheetWorkbook:
            what = Message("it is an Excel workbook (.xlsx or .xls), not CSV text")
        case .unknown:
            what = Message("its encoding could not be recognised")
        }
        return Message("is not UTF-8 text: {what}. Nothing in it was read. {advice}", ["what": .message(what), "advice": .message(saveAsCSVUTF8)])
    }

    /// A header whose columns are separated by tabs (Excel's "Text (Tab delimited)").
    static let tabSeparated = Message("the columns are separated by tabs; a manifest separates them by commas or semicolons. {advice}",
                                      ["advice": .message(saveAsCSVUTF8)])

    /// A quoting problem found by `CSVReader`, naming the column when the header is known.
    static func csvProblem(_ kind: CSVReader.Problem.Kind, field: Int, columns: [String]) -> Message {
        let column: MessageArgument = field < columns.count
            ? .text(columns[field]) : .message(Message("field {number}", ["number": .integer(field + 1)]))
        switch kind {
        case .quoteInUnquotedField:
            return Message("{column}: a quote inside a field that does not start with one (quote the whole field and double inner quotes)", ["column": column])
        case .textAfterClosingQuote:
            return Message("{column}: text after the closing quote (double quotes inside a quoted field)", ["column": column])
        case .unclosedQuote:
            return Message("{column}: the quoted field is never closed", ["column": column])
        }
    }
}
