import ArgumentParser
import Foundation
import Localization
import LedgerStore
import Provenance
import MerkleLog

extension LedgerCommand {
    struct VerifyProof: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "verify-proof",
            abstract: tr("Check a tlog-proof file offline, without the database."),
            discussion: ExitStatus.help(success: tr("VALID"), verificationFailed: tr("INVALID"))
                + "\n\n" + tr("Example:") + """

                  agritrace ledger verify-proof entry5.tlog-proof --vkey coop.vkey
                """) }

        @Argument(help: ArgumentHelp(tr("The .tlog-proof file.")))
        var file: String

        @Option(help: ArgumentHelp(tr("Verifier key file of the cooperative (repeatable).")))
        var vkey: [String]

        @Option(name: .customLong("witness-vkey"), help: ArgumentHelp(tr("Verifier key file of a trusted witness (repeatable).")))
        var witnessVkey: [String] = []

        @Option(help: ArgumentHelp(tr("How many of the trusted witnesses must have cosigned.")))
        var witnesses = 0

        @Option(help: ArgumentHelp(tr("Require this checkpoint origin.")))
        var origin: String?

        func validate() throws {
            if vkey.isEmpty { throw ValidationError(tr("give the cooperative's --vkey")) }
            if witnesses > witnessVkey.count { throw ValidationError(tr("--witnesses {n} needs that many --witness-vkey files", ["n": .integer(witnesses)])) }
        }

        func run() throws {
            let keys = try vkey.map { try KeyFiles.verifier($0) }
            let witnessKeys = try witnessVkey.map { try KeyFiles.verifier($0, tr("witness verifier key", context: "file kind")) }
            // Missing or unreadable is a usage error (2); anything read that is not a valid proof is
            // INVALID (3), whether malformed, truncated or not UTF-8.
            let data = try InputFile.read(file, tr("proof file", context: "file kind"))
            guard data.count <= TlogProof.maxBytes, let text = String(data: data, encoding: .utf8) else {
                throw ProofRejected(file: file, reason: tr("not a proof: not UTF-8 text of at most {size} bytes", ["size": .integer(TlogProof.maxBytes)]))
            }
            let verified: ProofFile.Verified
            do {
                verified = try ProofFile.verify(text, trustedKeys: keys, origin: origin, witnesses: witnessKeys,
                                                requiredWitnesses: witnesses)
            } catch {
                // A key given for the wrong role is the user's mistake (2); everything else is
                // about the file's content, which proves nothing (3).
                if Self.isMalformedContent(error) || ExitStatus(for: error) != .usageError {
                    throw ProofRejected(file: file, reason: render(error))
                }
                throw CommandFailure(.usageError, "\(file): \(render(error))")
            }
            let entry = verified.entry
            var what = entry.type
            let record = try? entry.record()
            if let lot = record?.lotCode { what += ", " + tr("lot {lot}", ["lot": .text(lot)]) }
            if let origin = record?.originCode { what += ", " + tr("origin {origin}", ["origin": .text(origin)]) }
            var line = tr("VALID: {file}: entry {seq} ({what}) is in {ledger} at tree size {size}, signed by {signer}", [
                "file": .text(file), "seq": .text(String(entry.seq)), "what": .text(what), "ledger": .text(verified.checkpoint.origin),
                "size": .integer(verified.checkpoint.size), "signer": .text(entry.signer)])
            if !verified.witnesses.isEmpty {
                line += ", " + tr("cosigned by {witnesses}", ["witnesses": .text(verified.witnesses.map(\.name).joined(separator: ", "))])
            }
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
    var description: String { tr("INVALID: {file}: {reason}", ["file": .text(file), "reason": .text(reason)]) }
}
