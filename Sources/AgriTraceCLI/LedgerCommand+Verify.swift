import ArgumentParser
import LedgerStore
import MerkleLog

extension LedgerCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit a whole ledger; names the first bad entry and the failed check (exit 3).",
            discussion: """
                Checks every entry's canonical bytes, seq contiguity, the prev chain, stored leaf and \
                tree hashes, signatures under the key active at that point, timestamps, domain rules, \
                and every stored checkpoint (signature, root, pairwise consistency, equivocation). \
                With --vkey, the ledger's first key and the checkpoint signers must be among the \
                given keys; without, the ledger's own key entries are trusted.

                \(ExitStatus.help(success: "INTACT", verificationFailed: "TAMPERED (the first bad entry is named)"))

                Example:
                  agritrace ledger verify --ledger coop.db --vkey coop.vkey
                """)

        @OptionGroup var path: LedgerPathOption

        @Option(help: "Trusted verifier key file of the cooperative (repeatable).")
        var vkey: [String] = []

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() throws {
            try LedgerCommand.running {
                let keys = try vkey.map { try KeyFiles.verifier($0) }
                let ledger = try LedgerCommand.openLedger(path.ledger, readOnly: true)
                let report = try ledger.verify(trustedKeys: keys)
                FileHandleOutput.standardOutput.write(json ? Self.json(report) : Self.text(report))
                if !report.isIntact { throw ExitStatus.verificationFailed }
            }
        }

        static func text(_ report: VerificationReport) -> String {
            var lines = ["ledger \(report.path): \(report.entriesChecked) entries, \(report.checkpointsChecked) checkpoints, root \(report.root.hex)"]
            lines.append(report.keysPinned ? "keys: checked against the given verifier keys"
                         : "keys: NOT pinned (no --vkey); the ledger's own key entries were trusted")
            for (check, passed) in report.checkResults { lines.append("\(passed ? "PASS" : "FAIL") \(check.rawValue)") }
            if let first = report.firstFailure {
                let subject = report.firstBadEntry.map { "first bad entry: \($0)" } ?? "first problem"
                lines.append("TAMPERED: \(subject) (\(first.check.rawValue)): \(first.message)")
                for failure in report.failures.dropFirst().prefix(20) { lines.append("  also: \(failure)") }
            } else {
                lines.append("INTACT")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        static func json(_ report: VerificationReport) -> String {
            var object: [String: JSONValue] = [
                "path": .string(report.path), "intact": .bool(report.isIntact), "entries": .integer(Int64(report.entriesChecked)),
                "checkpoints": .integer(Int64(report.checkpointsChecked)), "tree_size": .integer(Int64(report.treeSize)),
                "root": .string(report.root.hex), "keys_pinned": .bool(report.keysPinned),
                "checks": .array(report.checkResults.map { ["check": .string($0.check.rawValue), "passed": .bool($0.passed)] }),
                "failures": .array(report.failures.map { failure in
                    var item: [String: JSONValue] = ["check": .string(failure.check.rawValue), "message": .string(failure.message)]
                    item["seq"] = failure.seq.map { .integer(Int64($0)) }
                    item["checkpoint"] = failure.checkpointID.map { .integer(Int64($0)) }
                    return .object(item)
                }),
            ]
            object["first_bad_entry"] = report.firstBadEntry.map { .integer(Int64($0)) }
            return String(decoding: (try? CanonicalJSON.encode(.object(object))) ?? [], as: UTF8.self) + "\n"
        }
    }
}
