import ArgumentParser
import LedgerStore
import Provenance

extension LedgerCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ledger whose first entry registers the signing key.",
            discussion: """
                \(ExitStatus.help(success: "ledger created"))

                Example:
                  agritrace ledger init --ledger coop.db --key ~/.config/agritrace/coop.key
                """)

        @OptionGroup var path: LedgerPathOption

        @Option(help: "Private key file of the cooperative (from `keys generate`).")
        var key: String

        @Option(help: "Checkpoint origin line (default: the key's name).")
        var origin: String?

        func run() throws {
            let signer = try KeyFiles.signer(key)
            let ledger = try Ledger.createProvenance(at: path.ledger, origin: origin, signer: signer, clock: .fromEnvironment())
            FileHandleOutput.standardOutput.write("created \(path.ledger)\norigin \(ledger.origin)\nkey \(signer.verifier.vkey)\n")
        }
    }
}
