import ArgumentParser
import Foundation
import MerkleLog
import Traceability

/// `agritrace verify-label PROOF... --vkey FILE [--witness FILE]... [--lot CODE] [--origin CODE]`:
/// the buyer's offline check.
struct VerifyLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-label",
        abstract: "Check a buyer proof file offline.",
        discussion: """
            Needs no database or network: each proof file must prove its entry is in the ledger \
            under a checkpoint signed by the cooperative's key (--vkey) and cosigned by every \
            --witness given. --lot and --origin are what is printed on the box; the origin is in \
            the lot's .lot.proof file, so give it too when checking --origin.

            \(ExitStatus.help(success: "VERIFIED", verificationFailed: "NOT VERIFIED"))

            Example:
              agritrace verify-label labels/DT-LV-261103-01.proof labels/DT-LV-261103-01.lot.proof --vkey coop.vkey --lot DT-LV-261103-01
            """)

    @Argument(help: "Proof files (tlog-proof@v1) from `agritrace label`: <lot>.proof and optionally <lot>.lot.proof.")
    var proofs: [String]

    @Option(name: .long, help: "The cooperative's verifier key file (repeat for rotated keys).")
    var vkey: [String] = []

    @Option(name: .long, help: "A witness verifier key file whose cosignature is required (repeatable).")
    var witness: [String] = []

    @Option(name: .long, help: "The lot code printed on the box.")
    var lot: String?

    @Option(name: .long, help: "The origin code printed on the box.")
    var origin: String?

    func validate() throws {
        if proofs.isEmpty { throw ValidationError("give at least one proof file") }
        if vkey.isEmpty { throw ValidationError("give the cooperative's verifier key with --vkey FILE") }
    }

    func run() throws {
        let trusted = try vkey.map { try KeyFiles.verifier($0) }
        let witnesses = try witness.map { try KeyFiles.verifier($0, "witness verifier key") }
        for path in proofs { try InputFile.require(path, "proof file") }
        // A log key given as --witness would let the cooperative's own signature fill the quorum.
        do { try WitnessQuorum.checkKeys(witnesses, logKeys: trusted) } catch {
            throw CommandFailure(.usageError, "--witness: \(error)")
        }
        for key in trusted where key.type != .ed25519 {
            throw CommandFailure(.usageError, "--vkey \(key.name): a witness (cosignature/v1) key cannot be the cooperative's key")
        }
        var texts: [(name: String, text: String)] = []
        var unreadable: [String] = []
        for path in proofs {
            // Proof files are a few KB; the parser enforces TlogProof.maxBytes on the text too.
            guard let data = FileManager.default.contents(atPath: path), data.count <= TlogProof.maxBytes,
                  let text = String(data: data, encoding: .utf8) else {
                unreadable.append("\(path) cannot be read as a text file of at most \(TlogProof.maxBytes) bytes")
                continue
            }
            texts.append((path, text))
        }
        let verdict = unreadable.isEmpty
            ? LabelVerdict.check(proofs: texts, trustedKeys: trusted, witnesses: witnesses,
                                 printed: .init(lotCode: lot, originCode: origin))
            : LabelVerdict(isValid: false, headline: "NOT VERIFIED: do not rely on this label.", details: unreadable)
        FileHandleOutput.standardOutput.write(verdict.text)
        if !verdict.isValid { throw ExitStatus.verificationFailed }
    }
}
