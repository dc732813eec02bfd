import ArgumentParser
import Foundation
import Localization
import MerkleLog
import Traceability

/// `agritrace verify-label BUNDLE --vkey FILE [--witness FILE]... [--quorum N] [--lot CODE] [--origin CODE]`:
/// the buyer's offline check.
struct VerifyLabelCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "verify-label",
        abstract: tr("Check a lot's label proof bundle offline."),
        discussion: tr("Needs no database or network. The bundle (<name>.proof from `agritrace label`) holds the lot, its origin registration, every grading and correction of it, each proven under one checkpoint signed by the cooperative's key (--vkey) and cosigned by --witness keys, and the cooperative's signed list of those entries. Prints the lot's grade as of that checkpoint (latest grading, corrections applied, or HELD FOR REVIEW) and what it cannot know: anything recorded after the checkpoint. --lot and --origin are what is printed on the box. Old two-file proofs (<lot>.proof + <lot>.lot.proof) are refused.")
            + "\n\n" + ExitStatus.help(success: tr("VERIFIED", context: "verdict"), verificationFailed: tr("NOT VERIFIED, also for a file read that is not a valid proof bundle (a buyer's \"is this proven?\" gets \"no\")"))
            + "\n\n" + tr("Example:") + """

              agritrace verify-label labels/DT-LV-261103-01.proof --vkey coop.vkey --lot DT-LV-261103-01 --origin VN-DTOR-0141
            """) }

    @Argument(help: ArgumentHelp(tr("The label proof bundle (<name>.proof from `agritrace label`).")))
    var bundles: [String]

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's verifier key file (repeat for rotated keys).")))
    var vkey: [String] = []

    @Option(name: .long, help: ArgumentHelp(tr("A witness verifier key file (repeatable).")))
    var witness: [String] = []

    @Option(name: .long, help: ArgumentHelp(tr("How many of the --witness keys must have cosigned; all of them when not given.")))
    var quorum: Int?

    @Option(name: .long, help: ArgumentHelp(tr("The lot code printed on the box.")))
    var lot: String?

    @Option(name: .long, help: ArgumentHelp(tr("The origin code printed on the box.")))
    var origin: String?

    func validate() throws {
        if bundles.isEmpty { throw ValidationError(tr("give the lot's proof bundle (<name>.proof)")) }
        if bundles.count > 1 {
            throw ValidationError(tr("give one proof bundle: it holds every entry of the lot (the old <lot>.lot.proof is no longer used)"))
        }
        if vkey.isEmpty { throw ValidationError(tr("give the cooperative's verifier key with --vkey FILE")) }
        if let quorum, quorum < 1 || quorum > witness.count {
            throw ValidationError(tr("--quorum must be between 1 and the number of --witness keys ({count})", ["count": .integer(witness.count)]))
        }
    }

    func run() throws {
        let trusted = try vkey.map { try KeyFiles.verifier($0) }
        let witnesses = try witness.map { try KeyFiles.verifier($0, tr("witness verifier key", context: "file kind")) }
        let path = bundles[0]
        // Missing or unreadable is a usage error (2); anything read that is not a valid bundle is
        // a failed verification (3): the buyer's "is this proven?" gets "no".
        let data = try InputFile.read(path, tr("proof bundle", context: "file kind"))
        // A log key given as --witness would let the cooperative's own signature fill the quorum.
        do {
            try WitnessQuorum.checkKeys(witnesses, logKeys: trusted)
            try WitnessQuorum.checkDistinct(witnesses)
        } catch {
            throw CommandFailure(.usageError, "--witness: " + render(error))
        }
        for key in trusted where key.type != .ed25519 {
            throw CommandFailure(.usageError, tr("--vkey {key}: a witness (cosignature/v1) key cannot be the cooperative's key", ["key": .text(key.name)]))
        }
        // Bundles are a few KB; the parser enforces LabelBundle.maxBytes on the text too.
        guard data.count <= LabelBundle.maxBytes, let text = String(data: data, encoding: .utf8) else {
            FileHandleOutput.standardOutput.write(
                tr("NOT VERIFIED: {file} is not a proof bundle: not UTF-8 text of at most {size} bytes",
                   ["file": .text(path), "size": .integer(LabelBundle.maxBytes)]) + "\n")
            throw ExitStatus.verificationFailed
        }
        let verdict = LabelVerdict.check(bundle: text, name: path, trustedKeys: trusted, witnesses: witnesses,
                                         quorum: quorum, printed: .init(lotCode: lot, originCode: origin),
                                         presentation: TraceabilitySupport.presentation)
        FileHandleOutput.standardOutput.write(verdict.text)
        if !verdict.isValid { throw ExitStatus.verificationFailed }
    }
}
