import ArgumentParser
import Foundation
import LedgerStore
import Localization
import MerkleLog
import Provenance
import Traceability
import Witnessing

extension LedgerCommand {
    struct Checkpoint: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Sign a checkpoint of the current tree, store it, have witnesses cosign it, and print the signed note."),
            discussion: tr("The note's first line is the origin, the second the tree size, the third the base64 root hash. With --witness URL (and its --witness-vkey, in the same order) each witness is asked over HTTP (c2sp.org/tlog-witness add-checkpoint, with the consistency proof from the size it cosigned last); the cosignatures that verify are stored with the checkpoint and printed with it, and each witness's answer is reported on stderr. Fewer cosignatures than --quorum (default: all witnesses) is status 3 when a witness refused (a fork or rollback it saw, a bad proof, an unknown log) and status 1 when witnesses could not be reached (run it again later); the checkpoint and the cosignatures gathered stay stored either way.")
                + " " + tr("It also signs, for every lot changed since the last checkpoint, the statement its proof bundle carries (these are all of the lot's entries) and stores them in the ledger: `serve` hands out bundles from them and never needs the key.")
                + "\n\n" + ExitStatus.help(success: tr("checkpoint signed and stored, cosigned by the quorum"), needsAttention: tr("fewer witnesses than the quorum could be reached"), verificationFailed: tr("the stored tree no longer reproduces an earlier checkpoint, or a witness refused to cosign"), readsLedger: true)
                + "\n\n" + tr("Example:") + """

                  agritrace ledger checkpoint --ledger coop.db --key ~/.config/agritrace/coop.key
                  agritrace ledger checkpoint --ledger coop.db --key coop.key --witness https://w1.example/ --witness-vkey w1.vkey
                """) }

        @OptionGroup var path: LedgerPathOption

        @Option(help: ArgumentHelp(tr("Private key file of an active signer.")))
        var key: String

        @Option(help: ArgumentHelp(tr("URL of a witness (its add-checkpoint prefix; repeatable, each with a --witness-vkey).")))
        var witness: [String] = []

        @Option(name: .customLong("witness-vkey"), help: ArgumentHelp(tr("Verifier key file of the --witness at the same position.")))
        var witnessVkey: [String] = []

        @Option(help: ArgumentHelp(tr("How many witnesses must cosign; all of them when not given.")))
        var quorum: Int?

        @Option(help: ArgumentHelp(tr("Seconds to wait for each witness request.")))
        var timeout: Double = 10

        func validate() throws {
            guard witness.count == witnessVkey.count else {
                throw ValidationError(tr("give one --witness-vkey per --witness ({urls} URLs, {keys} keys)",
                                         ["urls": .integer(witness.count), "keys": .integer(witnessVkey.count)]))
            }
            for url in witness {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                    throw ValidationError(tr("--witness {value}: expected an http:// or https:// URL", ["value": .text(url)]))
                }
            }
            if let quorum, quorum < 1 || quorum > witness.count {
                throw ValidationError(tr("--quorum must be between 1 and the number of --witness URLs ({count})", ["count": .integer(witness.count)]))
            }
            guard timeout > 0, timeout <= 600 else { throw ValidationError(tr("--timeout must be between 0 and 600 seconds")) }
        }

        func run() throws {
            let ledger = try TraceabilitySupport.openVerifiedLedger(path.ledger, readOnly: false)
            let signer = try KeyFiles.signer(key, for: ledger)
            let endpoints = try zip(witness, witnessVkey).map { url, file in
                let key = try KeyFiles.verifier(file, tr("witness verifier key", context: "file kind"))
                guard key.type == .cosignatureV1 else {
                    throw CommandFailure(.usageError, tr("--witness-vkey {file}: not a witness (cosignature/v1) key", ["file": .text(file)]))
                }
                return WitnessEndpoint(url: URL(string: url)!, key: key)
            }
            // Lot statements too, so the public server can serve proof bundles without the key.
            let stored = try LotStatements.signCheckpoint(ledger: ledger, signer: signer).checkpoint
            guard !endpoints.isEmpty else {
                FileHandleOutput.standardOutput.write(stored.signedNote)
                return
            }
            let ledgerPath = ledger.path
            // A tree signed before comes back with its cosignatures: only the witnesses missing from it are asked.
            let (outcomes, cosigned) = try runBlocking {
                try await WitnessClient.completeCosignatures(of: stored.signedNote, witnesses: endpoints, timeoutSeconds: timeout) { old, new in
                    // A connection of its own: proofs are asked for from the client's tasks.
                    try Ledger(provenanceAt: ledgerPath, readOnly: true).consistencyProof(oldSize: old, newSize: new)
                }
            }
            let note = try cosigned ?? SignedNote(parsing: stored.signedNote)
            var cosigners = 0, refused = false
            for (endpoint, outcome) in zip(endpoints, outcomes) {
                let url = endpoint.url.absoluteString
                switch outcome {
                case .cosigned:
                    cosigners += 1
                    FileHandleOutput.standardError.write(tr("witness {url}: cosigned by {name}", ["url": .text(url), "name": .text(endpoint.key.name)]) + "\n")
                case .refused(let reason):
                    refused = true
                    FileHandleOutput.standardError.write(tr("witness {url}: REFUSED: {reason}", ["url": .text(url), "reason": .message(reason)]) + "\n")
                case .unreachable(let reason):
                    FileHandleOutput.standardError.write(tr("witness {url}: not reached: {reason}", ["url": .text(url), "reason": .message(reason)]) + "\n")
                }
            }
            if let cosigned { try ledger.storeCosignedCheckpoint(cosigned.serialized) }
            FileHandleOutput.standardOutput.write(note.serialized)
            let required = quorum ?? endpoints.count
            guard cosigners >= required else {
                FileHandleOutput.standardError.write(tr("quorum not met: {n} of {total} witnesses cosigned, {required} required", [
                    "n": .integer(cosigners), "total": .integer(endpoints.count), "required": .integer(required)]) + "\n")
                throw refused ? ExitStatus.verificationFailed : ExitStatus.needsAttention
            }
        }
    }
}
