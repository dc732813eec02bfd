import ArgumentParser
import LedgerStore
import Localization
import Provenance

extension LedgerCommand {
    struct Init: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Create a ledger whose first entry registers the signing key."),
            discussion: ExitStatus.help(success: tr("ledger created"))
                + "\n\n" + tr("Example:") + """

                  agritrace ledger init --ledger coop.db --key ~/.config/agritrace/coop.key
                """) }

        @OptionGroup var path: LedgerPathOption

        @Option(help: ArgumentHelp(tr("Private key file of the cooperative (from `keys generate`).")))
        var key: String

        @Option(help: ArgumentHelp(tr("Checkpoint origin line (default: the key's name).")))
        var origin: String?

        func run() throws {
            let signer = try KeyFiles.signer(key)
            let ledger = try Ledger.createProvenance(at: path.ledger, origin: origin, signer: signer, clock: .fromEnvironment())
            FileHandleOutput.standardOutput.write(tr("created {file}", ["file": .text(path.ledger)]) + "\n"
                + tr("origin {origin}", context: "ledger init", ["origin": .text(ledger.origin)]) + "\n"
                + tr("key {vkey}", context: "ledger init", ["vkey": .text(signer.verifier.vkey)]) + "\n")
        }
    }
}
