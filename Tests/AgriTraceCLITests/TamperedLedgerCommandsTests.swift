import Foundation
import LedgerStore
import Provenance
import Testing
import TestSupport

/// An entry edited in the database that still parses (a grade changed inside its JSON, the
/// append-only triggers put back) must stop every command that reads the ledger before it prints,
/// writes or signs anything from it: status 3, naming the first bad entry, as `ledger verify` does.
@Suite struct TamperedLedgerCommandsTests {
    @Test func everyReadingCommandRefusesAnEditedEntryBeforeUsingIt() throws {
        let ws = try GradeWorkspace()
        defer { ws.remove() }
        let graded = try AgriTraceBinary.run(["grade", FixtureFiles.url("uploads/sample").path, "--ledger", ws.ledger,
                                              "--key", ws.key, "--register-origins", "--cooperative", "HTX-LAI-VUNG"])
        #expect([0, 1].contains(graded.status), "\(graded.stderr)")
        let ledger = try ws.openLedger()
        let grading = try #require(try ledger.entries(type: .grading).first)
        let lot = try #require(try ledger.entries(type: .lot).first)
        guard case .lot(let lotRecord) = try lot.record() else { Issue.record("not a lot"); return }
        guard case .grading(let gradingRecord) = try grading.record() else { Issue.record("not a grading"); return }
        let grade = gradingRecord.lotGrade
        let forged = grade == "Premium" ? "Reject" : "Premium"
        try SQLiteShell.editKeepingTriggers(ws.ledger, """
            UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), '"lot_grade":"\(grade)"', '"lot_grade":"\(forged)"') AS BLOB) \
            WHERE seq = \(grading.seq);
            """)
        let verify = try AgriTraceBinary.run(["ledger", "verify", "--ledger", ws.ledger])
        #expect(verify.status == 3, "the edit went unnoticed: \(verify.stdout)")

        let out = ws.path("out")
        let commands: [[String]] = [
            ["trace", lotRecord.lotCode, "--ledger", ws.ledger],
            ["label", lotRecord.lotCode, "--ledger", ws.ledger, "--key", ws.key, "--out", out],
            ["export", "epcis", "--ledger", ws.ledger, "--out", ws.path("events.json")],
            ["review", "--ledger", ws.ledger],
            ["review", lotRecord.lotCode, "--grade", "Grade II", "--reason", "looked again", "--reviewer", "Nam", "--ledger", ws.ledger, "--key", ws.key],
            ["ledger", "checkpoint", "--ledger", ws.ledger, "--key", ws.key],
            ["ledger", "prove", "--ledger", ws.ledger, "--entry", "\(grading.seq)"],
            ["grade", FixtureFiles.url("uploads/sample").path, "--ledger", ws.ledger, "--key", ws.key,
             "--register-origins", "--cooperative", "HTX-LAI-VUNG"],
        ]
        let sizeBefore = try ws.openLedger().treeHead().size
        for arguments in commands {
            for language in ["en", "vi"] {
                let result = try AgriTraceBinary.run(["--lang", language] + arguments)
                #expect(result.status == 3, "\(arguments.prefix(2)) \(language): \(result.status) \(result.stdout) \(result.stderr)")
                #expect(!result.stdout.contains(forged), "\(arguments.prefix(2)) printed the forged grade: \(result.stdout)")
                #expect(result.stderr.contains("\(grading.seq)"), "\(arguments.prefix(2)) \(language) names no entry: \(result.stderr)")
                if language == "vi" { #expect(result.stderr.contains("đã bị sửa đổi"), "\(result.stderr)") }
            }
        }
        let labels = FileManager.default.fileExists(atPath: out) ? try FileManager.default.contentsOfDirectory(atPath: out) : []
        #expect(labels.isEmpty, "a label was written from the altered ledger: \(labels)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("events.json")))
        #expect(try ws.openLedger().treeHead().size == sizeBefore, "something was appended to the altered ledger")
    }
}
