import Testing
import TestSupport

@Suite struct VersionTests {
    @Test func printsVersionAndHelp() throws {
        let version = try AgriTraceBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try AgriTraceBinary.run(["--help"])
        #expect(help.status == 0)
        for command in ["inspect", "grade", "ledger", "classify", "train", "audit"] {
            #expect(help.stdout.contains(command), "help lists \(command)")
        }
    }

    @Test func unknownSubcommandIsAUsageError() throws {
        let result = try AgriTraceBinary.run(["no-such-command"])
        #expect(result.status == 2)
    }
}
