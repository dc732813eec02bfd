import ArgumentParser
import Foundation
import LedgerStore
import MerkleLog

extension LedgerCommand {
    struct Witness: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cosign the ledger's latest checkpoint (C2SP cosignature/v1) after checking it extends the last one this witness cosigned.",
            discussion: """
                The witness keeps the last checkpoint it cosigned in --state. It checks the new \
                checkpoint's log signature, then a consistency proof from the old tree to the new \
                one (fetched from the ledger, verified here), refuses on any failure (exit 3), and \
                otherwise cosigns, stores the cosigned checkpoint in the ledger, updates --state and \
                prints the cosigned note. The first run has nothing to compare with and says so.

                \(ExitStatus.help(success: "cosigned", verificationFailed: "refused: the checkpoint does not extend the last one cosigned"))

                Example:
                  agritrace ledger witness --ledger coop.db --key ~/.config/agritrace/w1.key --log-vkey coop.vkey --state w1.state
                """)

        @OptionGroup var path: LedgerPathOption

        @Option(help: "The witness's private key file (from `keys generate --witness`).")
        var key: String

        @Option(name: .customLong("log-vkey"), help: "Verifier key file of the ledger's checkpoint signer.")
        var logVkey: String

        @Option(help: "File holding the last checkpoint this witness cosigned (created on first use).")
        var state: String

        func run() throws {
            try LedgerCommand.running {
                let witness = try KeyFiles.witness(key)
                let logKey = try KeyFiles.verifier(logVkey, "log verifier key")
                let ledger = try LedgerCommand.openLedger(path.ledger)
                guard let latest = try ledger.latestCheckpoint() else {
                    throw LedgerError.noCheckpoint(covering: 0)
                }
                let (checkpoint, note) = try MerkleLog.Checkpoint.open(latest.signedNote, origin: ledger.origin, trusting: [logKey])
                var message = "first checkpoint this witness sees; nothing earlier to compare with"
                if let previousText = try? String(contentsOfFile: state, encoding: .utf8) {
                    let (previous, _) = try MerkleLog.Checkpoint.open(previousText, origin: ledger.origin, trusting: [logKey])
                    let proof = try ledger.consistencyProof(oldSize: previous.size, newSize: checkpoint.size)
                    do {
                        guard previous.size <= checkpoint.size else { throw MerkleError.invalidSizes(old: previous.size, new: checkpoint.size) }
                        try MerkleTree.verifyConsistency(oldSize: previous.size, newSize: checkpoint.size, oldRoot: previous.root,
                                                         newRoot: checkpoint.root, proof: proof)
                    } catch {
                        throw ProofRejected(file: path.ledger, reason: "refusing to cosign size \(checkpoint.size): not consistent with the cosigned size \(previous.size): \(error)")
                    }
                    message = "consistent with the previously cosigned size \(previous.size)"
                }
                var cosigned = note
                cosigned.sign(with: witness, timestamp: UInt64(Date().timeIntervalSince1970))
                try ledger.storeCosignedCheckpoint(cosigned.serialized)
                do { try Data(cosigned.serialized.utf8).write(to: URL(fileURLWithPath: state), options: .atomic) } catch {
                    throw CommandFailure(.internalFailure, "cannot write witness state \(state): \(error.localizedDescription)")
                }
                FileHandleOutput.standardError.write("witness \(witness.name): size \(checkpoint.size) \(message)\n")
                FileHandleOutput.standardOutput.write(cosigned.serialized)
            }
        }
    }
}
