import Foundation

/// RFC 4180 CSV: comma-separated fields, CRLF (or bare LF) record ends, double-quoted fields that
/// may hold commas, line breaks and doubled quotes (`""`). A UTF-8 byte order mark is skipped.
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
        public let line: Int
        public let message: String
    }

    public private(set) var records: [Record] = []
    public private(set) var problems: [Problem] = []

    public init(data: Data) {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        parse(bytes)
    }

    private mutating func parse(_ bytes: [UInt8]) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var index = 0
        var fieldWasQuoted = false
        var recordHasProblem = false

        func finishField() {
            if let text = String(validating: field, as: UTF8.self) {
                fields.append(text)
            } else {
                problems.append(Problem(line: recordLine, message: "field \(fields.count + 1) is not valid UTF-8"))
                recordHasProblem = true
                fields.append(String(decoding: field, as: UTF8.self))
            }
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
                    if b == lf { line += 1 }
                    field.append(b); index += 1
                }
                if !closed {
                    problems.append(Problem(line: recordLine, message: "quoted field \(fields.count + 1) is never closed"))
                    recordHasProblem = true
                    break
                }
                // After the closing quote only a separator or a record end may follow.
                if index < bytes.count, bytes[index] != comma, bytes[index] != cr, bytes[index] != lf {
                    problems.append(Problem(line: line, message: "unexpected character after closing quote in field \(fields.count + 1)"))
                    recordHasProblem = true
                    while index < bytes.count, bytes[index] != comma, bytes[index] != lf { index += 1 }
                }
                continue
            }
            switch byte {
            case comma:
                finishField()
                index += 1
            case cr where index + 1 < bytes.count && bytes[index + 1] == lf:
                index += 1   // CRLF: handled with the LF
            case lf:
                finishRecord()
                index += 1
                line += 1
                recordLine = line
            case quote:
                problems.append(Problem(line: line, message: "quote inside unquoted field \(fields.count + 1) (quote the whole field and double inner quotes)"))
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
