import Foundation
import Testing
@testable import Grading

@Suite struct CSVReaderTests {
    @Test func parsesRFC4180QuotingWithBOMAndCRLF() {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n,,\r\nlast,row,here"
        let csv = CSVReader(data: Data(text.utf8))
        #expect(csv.problems.isEmpty)
        #expect(csv.records == [
            .init(line: 1, fields: ["a", "b", "c"]),
            .init(line: 2, fields: ["x, y", "say \"hi\"", "two\r\nlines"]),
            .init(line: 4, fields: ["", "", ""]),
            .init(line: 5, fields: ["last", "row", "here"]),
        ])
    }

    @Test func skipsBlankLinesAndAcceptsBareLF() {
        let csv = CSVReader(data: Data("a,b\n\n1,2\n\n".utf8))
        #expect(csv.problems.isEmpty)
        #expect(csv.records == [.init(line: 1, fields: ["a", "b"]), .init(line: 3, fields: ["1", "2"])])
    }

    @Test func reportsEveryQuotingProblemWithItsLine() {
        let text = "a,b\nok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\nx,\"never closed,5\n"
        let csv = CSVReader(data: Data(text.utf8))
        #expect(csv.problems == [.init(line: 3, field: 0, kind: .quoteInUnquotedField),
                                 .init(line: 4, field: 0, kind: .textAfterClosingQuote),
                                 .init(line: 6, field: 1, kind: .unclosedQuote)])
        #expect(csv.records.contains(.init(line: 5, fields: ["fine", "4"])))
    }

    /// The separator is the header's: `;` as Excel writes where the decimal mark is a comma.
    @Test func theSeparatorIsTheHeaders() {
        let semicolons = CSVReader(data: Data("file;notes;qty\r\na.jpg;\"x; y, \"\"z\"\"\";12,5\r\n".utf8))
        #expect(semicolons.separator == ";")
        #expect(semicolons.problems.isEmpty)
        #expect(semicolons.records.map(\.fields) == [["file", "notes", "qty"], ["a.jpg", "x; y, \"z\"", "12,5"]])
        let commas = CSVReader(data: Data("file,notes\na.jpg,\"x; y\"\nb.jpg,p;q\n".utf8))
        #expect(commas.separator == ",")
        #expect(commas.records.map(\.fields) == [["file", "notes"], ["a.jpg", "x; y"], ["b.jpg", "p;q"]])
        // Separators inside a quoted header name do not count.
        #expect(CSVReader.separator(ofHeader: Array("\"a;b;c\",d\n".utf8)) == UInt8(ascii: ","))
        #expect(CSVReader.separator(ofHeader: Array("\"a,b,c\";d;e\n".utf8)) == UInt8(ascii: ";"))
    }

    /// Excel for Mac's "CSV (Macintosh)" ends lines with CR alone.
    @Test func bareCarriageReturnsEndRecords() {
        let csv = CSVReader(data: Data("a,b\r1,\"x\ry\"\r2,3\r".utf8))
        #expect(csv.problems.isEmpty)
        #expect(csv.records == [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["1", "x\ry"]),
                                .init(line: 4, fields: ["2", "3"])])
    }

    @Test func textThatIsNotUTF8IsNotParsed() {
        var bytes = Array("a,b\n".utf8)
        bytes += [0x43, 0xE0, 0x80, 0x2C, 0x31, 0x0A]   // "C<overlong>,1"
        let csv = CSVReader(data: Data(bytes))
        #expect(csv.foreignEncoding != nil)
        #expect(csv.records.isEmpty && csv.problems.isEmpty)
    }
}
