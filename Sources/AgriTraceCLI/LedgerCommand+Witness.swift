import ArgumentParser
import Foundation
import Localization
import LedgerStore
import MerkleLog

extension LedgerCommand {
    struct Witness: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Cosign the ledger's latest checkpoint (C2SP cosignature/v1) after checking it extends the last one this witness cosigned."),
            discussion: tr("The witness keeps the last checkpoint it cosigned in --state. It checks the new checkpoint's log signature, that the state carries its own cosignature, then a consistency proof from the old tree to the new one (fetched from the ledger, verified here); it refuses on any failure (exit 3), and otherwise cosigns, stores the cosigned checkpoint in the ledger, replaces --state and prints the cosigned note. A missing state file is an error unless --first-run says this witness has never cosigned this log; an unreadable or malformed one is always an error.")
                + "\n\n" + ExitStatus.help(success: tr("cosigned"), verificationFailed: tr("refused: the checkpoint does not extend the last one cosigned"), readsLedger: true)
                + "\n\n" + tr("Example:") + """

                  agritrace ledger witness --ledger coop.db --key ~/.config/agritrace/w1.key --log-vkey coop.vkey --state w1.state
                """ + "\n  " + tr("(the first time, add --first-run)")) }

        @OptionGroup var path: LedgerPathOption

        @Option(help: ArgumentHelp(tr("The witness's private key file (from `keys generate --witness`).")))
        var key: String

        @Option(name: .customLong("log-vkey"), help: ArgumentHelp(tr("Verifier key file of the ledger's checkpoint signer.")))
        var logVkey: String

        @Option(help: ArgumentHelp(tr("File holding the last checkpoint this witness cosigned.")))
        var state: String

        @Flag(name: .customLong("first-run"), help: ArgumentHelp(tr("This witness has never cosigned this log: create --state (refused if it exists).")))
        var firstRun = false

        func run() throws {
            let signer = try KeyFiles.witness(key)
            let logKey = try KeyFiles.verifier(logVkey, tr("log verifier key", context: "file kind"))
            let ledger = try LedgerCommand.openLedger(path.ledger)
            let witness: MerkleLog.Witness
            do { witness = try MerkleLog.Witness(signer: signer, origin: ledger.origin, logKeys: [logKey]) } catch {
                throw CommandFailure(.usageError, tr("witness key {file}: {reason}", ["file": .text(key), "reason": .text(render(error))]))
            }
            let cosigned: MerkleLog.Witness.Cosigned
            do {
                cosigned = try ledger.witness(witness, statePath: state, firstRun: firstRun,
                                              timestamp: UInt64(Date().timeIntervalSince1970))
            } catch let error as WitnessError {
                throw ProofRejected(file: path.ledger, reason: render(error))
            } catch let error as WitnessStateError {
                throw CommandFailure(.usageError, error.description)
            }
            let message = cosigned.previousSize.map { tr("consistent with the previously cosigned size {size}", ["size": .integer($0)]) }
                ?? tr("first run: nothing earlier to compare with")
            FileHandleOutput.standardError.write(tr("witness {name}: size {size} {status}", [
                "name": .text(signer.name), "size": .integer(cosigned.checkpoint.size), "status": .text(message)]) + "\n")
            FileHandleOutput.standardOutput.write(cosigned.note.serialized)
        }
    }
}
