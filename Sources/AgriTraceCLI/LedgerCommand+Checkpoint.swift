import ArgumentParser
import LedgerStore

extension LedgerCommand {
    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a checkpoint of the current tree, store it, and print the signed note.",
            discussion: "The note's first line is the origin, the second the tree size, the third the base64 root hash.")

        @OptionGroup var path: LedgerPathOption

        @Option(help: "Private key file of an active signer.")
        var key: String

        func run() throws {
            try LedgerCommand.running {
                let signer = try SigningKeyFile.load(key)
                let ledger = try LedgerCommand.openLedger(path.ledger)
                FileHandleOutput.standardOutput.write(try ledger.signCheckpoint(signer: signer).signedNote)
            }
        }
    }
}
