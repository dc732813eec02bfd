import ArgumentParser
import Foundation
import Localization
import LedgerStore
import Provenance
import MerkleLog

extension LedgerCommand {
    struct VerifyProof: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-proof",
            abstract: "Check a tlog-proof file offline, without the database.",
            discussion: """
                \(ExitStatus.help(success: "VALID", verificationFailed: "INVALID"))

                Example:
                  agritrace ledger verify-proof entry5.tlog-proof --vkey coop.vkey
                """)

        @Argument(help: "The .tlog-proof file.")
        var file: String

        @Option(help: "Verifier key file of the cooperative (repeatable).")
        var vkey: [String]

        @Option(name: .customLong("witness-vkey"), help: "Verifier key file of a trusted witness (repeatable).")
        var witnessVkey: [String] = []

        @Option(help: "How many of the trusted witnesses must have cosigned.")
        var witnesses = 0

        @Option(help: "Require this checkpoint origin.")
        var origin: String?

        func validate() throws {
            if vkey.isEmpty { throw ValidationError("give the cooperative's --vkey") }
            if witnesses > witnessVkey.count { throw ValidationError("--witnesses \(witnesses) needs that many --witness-vkey files") }
        }

        func run() throws {
            let keys = try vkey.map { try KeyFiles.verifier($0) }
            let witnessKeys = try witnessVkey.map { try KeyFiles.verifier($0, "witness verifier key") }
            // Missing or unreadable is a usage error (2); anything read that is not a valid proof is
            // INVALID (3), whether malformed, truncated or not UTF-8.
            let data = try InputFile.read(file, tr("proof file", context: "file kind"))
            guard data.count <= TlogProof.maxBytes, let text = String(data: data, encoding: .utf8) else {
                throw ProofRejected(file: file, reason: "not a proof: not UTF-8 text of at most \(TlogProof.maxBytes) bytes")
            }
            let verified: ProofFile.Verified
            do {
                verified = try ProofFile.verify(text, trustedKeys: keys, origin: origin, witnesses: witnessKeys,
                                                requiredWitnesses: witnesses)
            } catch {
                // A key given for the wrong role is the user's mistake (2); everything else is
                // about the file's content, which proves nothing (3).
                if Self.isMalformedContent(error) || ExitStatus(for: error) != .usageError {
                    throw ProofRejected(file: file, reason: "\(error)")
                }
                throw CommandFailure(.usageError, "\(file): \(error)")
            }
            let entry = verified.entry
            var line = "VALID: \(file): entry \(entry.seq) (\(entry.type)"
            let record = try? entry.record()
            if let lot = record?.lotCode { line += ", lot \(lot)" }
            if let origin = record?.originCode { line += ", origin \(origin)" }
            line += ") is in \(verified.checkpoint.origin) at tree size \(verified.checkpoint.size), signed by \(entry.signer)"
            if !verified.witnesses.isEmpty { line += ", cosigned by \(verified.witnesses.map(\.name).joined(separator: ", "))" }
            FileHandleOutput.standardOutput.write(line + "\n")
        }
    }
}

extension LedgerCommand.VerifyProof {
    /// The file's text is not a well-formed proof (as opposed to a key given for the wrong role).
    static func isMalformedContent(_ error: any Error) -> Bool {
        switch error {
        case NoteError.malformedNote, NoteError.malformedCheckpoint, NoteError.malformedProof: return true
        default: return false
        }
    }
}

/// A proof or checkpoint that fails verification (status 3).
struct ProofRejected: Error, CustomStringConvertible {
    let file: String
    let reason: String
    var description: String { "INVALID: \(file): \(reason)" }
}
