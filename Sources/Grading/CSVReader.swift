import Foundation

/// RFC 4180 CSV as spreadsheets write it: fields separated by `,` or `;` (whichever the header
/// line uses: Excel writes `;` where the decimal mark is a comma, as in Vietnam and most of
/// Europe), CRLF, bare LF or bare CR record ends, double-quoted fields that may hold separators,
/// line breaks and doubled quotes (`""`). UTF-8 only, a byte order mark skipped; text in another
/// encoding is not parsed at all (`foreignEncoding` says which it probably is), since every
/// field would be wrong.
///
/// Parsing never stops at the first problem: each record carries the physical line it starts on,
/// and malformed quoting is reported per line so a manifest's problems can be listed together.
public struct CSVReader {
    public struct Record: Sendable, Equatable {
        /// 1-based physical line where the record starts (counting the header as line 1).
        public let line: Int
        public let fields: [String]
    }

    public struct Problem: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A `"` inside a field that does not start with one.
            case quoteInUnquotedField
            /// Something other than a separator or line end after a quoted field's closing quote.
            case textAfterClosingQuote
            /// A quoted field still open at the end of the file.
            case unclosedQuote
        }
        public let line: Int
        /// 0-based position of the field in its record.
        public let field: Int
        public let kind: Kind
    }

    public private(set) var records: [Record] = []
    public private(set) var problems: [Problem] = []
    /// The separator found in the header line.
    public private(set) var separator: Character = ","
    /// Set, with nothing parsed, when the bytes are not UTF-8 text.
    public private(set) var foreignEncoding: TextEncodingGuess?

    public init(data: Data) {
        var bytes = [UInt8](data)
        if let guess = TextEncodingGuess.ofNonUTF8(bytes) {
            foreignEncoding = guess
            return
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let separator = CSVReader.separator(ofHeader: bytes)
        self.separator = Character(Unicode.Scalar(separator))
        parse(bytes, separator: separator)
    }

    /// `;` when the first line (outside quotes) has more semicolons than commas, else `,`.
    static func separator(ofHeader bytes: [UInt8]) -> UInt8 {
        var commas = 0, semicolons = 0, quoted = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): quoted.toggle()
            case UInt8(ascii: ","): if !quoted { commas += 1 }
            case UInt8(ascii: ";"): if !quoted { semicolons += 1 }
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): if !quoted { return semicolons > commas ? UInt8(ascii: ";") : UInt8(ascii: ",") }
            default: break
            }
        }
        return semicolons > commas ? UInt8(ascii: ";") : UInt8(ascii: ",")
    }

    private mutating func parse(_ bytes: [UInt8], separator: UInt8) {
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var index = 0
        var fieldWasQuoted = false
        var recordHasProblem = false

        func finishField() {
            // The whole text is valid UTF-8 and fields split at ASCII bytes, so each field is too.
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func finishRecord() {
            // A blank line is not a record (a trailing newline, or spacing in hand-edited files).
            let isBlank = fields.isEmpty && field.isEmpty && !fieldWasQuoted
            finishField()
            // A record with a quoting problem is kept with its best-effort fields, so the rest of
            // the manifest is still checked; the problem itself is already listed.
            if !isBlank { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
            recordHasProblem = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote && field.isEmpty && !fieldWasQuoted {
                // Quoted field: runs to the next quote not doubled.
                fieldWasQuoted = true
                index += 1
                var closed = false
                while index < bytes.count {
                    let b = bytes[index]
                    if b == quote {
                        if index + 1 < bytes.count && bytes[index + 1] == quote {
                            field.append(quote); index += 2; continue
                        }
                        index += 1; closed = true; break
                    }
                    if b == lf || (b == cr && (index + 1 == bytes.count || bytes[index + 1] != lf)) { line += 1 }
                    field.append(b); index += 1
                }
                if !closed {
                    problems.append(Problem(line: recordLine, field: fields.count, kind: .unclosedQuote))
                    recordHasProblem = true
                    break
                }
                // After the closing quote only a separator or a record end may follow.
                if index < bytes.count, bytes[index] != separator, bytes[index] != cr, bytes[index] != lf {
                    problems.append(Problem(line: line, field: fields.count, kind: .textAfterClosingQuote))
                    recordHasProblem = true
                    while index < bytes.count, bytes[index] != separator, bytes[index] != lf, bytes[index] != cr { index += 1 }
                }
                continue
            }
            switch byte {
            case separator:
                finishField()
                index += 1
            case cr where index + 1 < bytes.count && bytes[index + 1] == lf:
                index += 1   // CRLF: handled with the LF
            case lf, cr:
                // A bare CR ends a record too: Excel for Mac's "CSV (Macintosh)" writes only CRs.
                finishRecord()
                index += 1
                line += 1
                recordLine = line
            case quote:
                // Once per field: `say "hi"` is one mistake, not two.
                if !field.contains(quote) {
                    problems.append(Problem(line: line, field: fields.count, kind: .quoteInUnquotedField))
                }
                recordHasProblem = true
                field.append(byte)
                index += 1
            default:
                field.append(byte)
                index += 1
            }
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted || recordHasProblem { finishRecord() }
    }
}
