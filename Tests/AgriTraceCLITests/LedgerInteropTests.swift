import Foundation
import Testing
import TestSupport

/// Output of the CLI checked by `Tests/tools/c2sp_check.py`, an independent implementation of
/// RFC 9162, RFC 8032, RFC 8785 and the C2SP note formats in plain Python.
@Suite struct LedgerInteropTests {
    static let checker = FixtureFiles.root.deletingLastPathComponent().appendingPathComponent("Tests/tools/c2sp_check.py").path

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", checker] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func independentCheckerAcceptsCLIOutputAndRejectsDamage() throws {
        let setup = try LedgerCommandTests.Setup()
        defer { setup.directory.remove() }
        try setup.append("[\(LedgerCommandTests.origin),\(LedgerCommandTests.lot("LOT-P1")),\(LedgerCommandTests.lot("LOT-P2"))]")
        let old = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key])
        try old.stdout.write(toFile: setup.path("old.checkpoint"), atomically: true, encoding: .utf8)
        try setup.append(LedgerCommandTests.lot("LOT-P3"))
        try setup.append(LedgerCommandTests.lot("LOT-P4"))
        let new = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", setup.db, "--key", setup.key])
        try new.stdout.write(toFile: setup.path("new.checkpoint"), atomically: true, encoding: .utf8)
        let consistency = try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--consistency", "4", "6"])
        #expect(consistency.status == 0)
        try consistency.stdout.write(toFile: setup.path("consistency.txt"), atomically: true, encoding: .utf8)
        #expect(try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--entry", "3", "--out", setup.path("p.tlog-proof")]).status == 0)

        for arguments in [["proof", setup.path("p.tlog-proof")], ["checkpoint", setup.path("new.checkpoint")],
                          ["consistency", setup.path("old.checkpoint"), setup.path("new.checkpoint"), setup.path("consistency.txt")],
                          ["ledger", setup.db]] {
            let result = try Self.python(arguments + ["--vkey", setup.vkey])
            #expect(result.status == 0, "\(arguments[0]): \(result.output)")
            #expect(result.output.hasPrefix("ok: "))
        }
        // Damage: the consistency proof for the wrong pair, and a proof for a changed entry.
        let wrongPair = try AgriTraceBinary.run(["ledger", "prove", "--ledger", setup.db, "--consistency", "3", "6"])
        try wrongPair.stdout.write(toFile: setup.path("wrong.txt"), atomically: true, encoding: .utf8)
        #expect(try Self.python(["consistency", setup.path("old.checkpoint"), setup.path("new.checkpoint"), setup.path("wrong.txt"), "--vkey", setup.vkey]).status == 1)
        var proof = try String(contentsOfFile: setup.path("p.tlog-proof"), encoding: .utf8)
        let extra = proof.split(separator: "\n")[1].dropFirst(6)
        let entry = String(decoding: Data(base64Encoded: String(extra))!, as: UTF8.self).replacingOccurrences(of: "LOT-P2", with: "LOT-P9")
        proof = proof.replacingOccurrences(of: String(extra), with: Data(entry.utf8).base64EncodedString())
        try proof.write(toFile: setup.path("p.tlog-proof"), atomically: true, encoding: .utf8)
        #expect(try Self.python(["proof", setup.path("p.tlog-proof"), "--vkey", setup.vkey]).status == 1)
    }
}
