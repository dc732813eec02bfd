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
                checkpoint's log signature, that the state carries its own cosignature, then a \
                consistency proof from the old tree to the new one (fetched from the ledger, \
                verified here); it refuses on any failure (exit 3), and otherwise cosigns, stores \
                the cosigned checkpoint in the ledger, replaces --state and prints the cosigned \
                note. A missing state file is an error unless --first-run says this witness has \
                never cosigned this log; an unreadable or malformed one is always an error.

                \(ExitStatus.help(success: "cosigned", verificationFailed: "refused: the checkpoint does not extend the last one cosigned", readsLedger: true))

                Example:
                  agritrace ledger witness --ledger coop.db --key ~/.config/agritrace/w1.key --log-vkey coop.vkey --state w1.state
                  (the first time, add --first-run)
                """)

        @OptionGroup var path: LedgerPathOption

        @Option(help: "The witness's private key file (from `keys generate --witness`).")
        var key: String

        @Option(name: .customLong("log-vkey"), help: "Verifier key file of the ledger's checkpoint signer.")
        var logVkey: String

        @Option(help: "File holding the last checkpoint this witness cosigned.")
        var state: String

        @Flag(name: .customLong("first-run"), help: "This witness has never cosigned this log: create --state (refused if it exists).")
        var firstRun = false

        func run() throws {
            let signer = try KeyFiles.witness(key)
            let logKey = try KeyFiles.verifier(logVkey, "log verifier key")
            let ledger = try LedgerCommand.openLedger(path.ledger)
            let witness: MerkleLog.Witness
            do { witness = try MerkleLog.Witness(signer: signer, origin: ledger.origin, logKeys: [logKey]) } catch {
                throw CommandFailure(.usageError, "witness key \(key): \(error)")
            }
            let cosigned: MerkleLog.Witness.Cosigned
            do {
                cosigned = try ledger.witness(witness, statePath: state, firstRun: firstRun,
                                              timestamp: UInt64(Date().timeIntervalSince1970))
            } catch let error as WitnessError {
                throw ProofRejected(file: path.ledger, reason: error.description)
            } catch let error as WitnessStateError {
                throw CommandFailure(.usageError, error.description)
            }
            let message = cosigned.previousSize.map { "consistent with the previously cosigned size \($0)" }
                ?? "first run: nothing earlier to compare with"
            FileHandleOutput.standardError.write("witness \(signer.name): size \(cosigned.checkpoint.size) \(message)\n")
            FileHandleOutput.standardOutput.write(cosigned.note.serialized)
        }
    }
}
