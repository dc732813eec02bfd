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
        let text = "a,b\nok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\n\"never closed,5\n"
        let csv = CSVReader(data: Data(text.utf8))
        #expect(csv.problems.map(\.line) == [3, 4, 6])
        #expect(csv.problems[0].message.contains("quote inside unquoted field 1"))
        #expect(csv.problems[1].message.contains("after closing quote"))
        #expect(csv.problems[2].message.contains("never closed"))
        #expect(csv.records.contains(.init(line: 5, fields: ["fine", "4"])))
    }

    @Test func reportsInvalidUTF8() {
        var bytes = Array("a,b\n".utf8)
        bytes += [0x43, 0xE0, 0x80, 0x2C, 0x31, 0x0A]   // "C<overlong>,1"
        let csv = CSVReader(data: Data(bytes))
        #expect(csv.problems == [.init(line: 2, message: "field 1 is not valid UTF-8")])
    }
}
