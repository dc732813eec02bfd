import ArgumentParser
import LedgerStore

extension LedgerCommand {
    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a checkpoint of the current tree, store it, and print the signed note.",
            discussion: """
                The note's first line is the origin, the second the tree size, the third the base64 root hash.

                \(ExitStatus.help(success: "checkpoint signed and stored", verificationFailed: "the stored tree no longer reproduces an earlier checkpoint", readsLedger: true))

                Example:
                  agritrace ledger checkpoint --ledger coop.db --key ~/.config/agritrace/coop.key
                """)

        @OptionGroup var path: LedgerPathOption

        @Option(help: "Private key file of an active signer.")
        var key: String

        func run() throws {
            let ledger = try LedgerCommand.openLedger(path.ledger)
            let signer = try KeyFiles.signer(key, for: ledger)
            FileHandleOutput.standardOutput.write(try ledger.signCheckpoint(signer: signer).signedNote)
        }
    }
}
