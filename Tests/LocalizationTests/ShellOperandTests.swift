import Foundation
import Localization
import Testing

/// Commands we suggest are pasted into a shell: a quoted operand must reach the command as
/// exactly one argument, the value itself, never as an option or as shell syntax.
@Suite struct ShellOperandTests {
    /// What /bin/sh makes of `set -- OPERAND`: the arguments, one per line-free record.
    private func shellWords(_ operand: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // After `set --`, a leading `--` of the operand is the end of options, as for our commands.
        process.arguments = ["-c", "set -- " + operand + "; [ \"$1\" = -- ] && shift; for a; do printf '%s\\0' \"$a\"; done"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(operand)")
        return String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test(arguments: ["DT-LV-261103-01", "A;B=C?D*", "-h", "--replace", "<x>&\"'", "LOT/C", "LOT%2FC", "it's", "'", "a b", "$(touch x)",
                      "`id`", "lô-ĐT-01", "~root", "#x", "a\\b", "!!", "*", "{a,b}", "x\u{301}"])
    func anOperandIsOneArgumentHoldingTheValue(_ value: String) throws {
        let operand = Quoting.shellOperand(value)
        #expect(try shellWords(operand) == [value], "\(operand)")
        #expect(value.hasPrefix("-") == operand.hasPrefix("-- "))
    }

    @Test func plainCodesStayPlain() {
        #expect(Quoting.shellOperand("DT-LV-261103-01") == "DT-LV-261103-01")
        #expect(Quoting.shellOperand("A;B") == "'A;B'")
        #expect(Quoting.shellOperand("it's") == "'it'\\''s'")
    }
}
