import ArgumentParser
import LedgerStore

extension LedgerCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ledger whose first entry registers the signing key.")

        @OptionGroup var path: LedgerPathOption

        @Option(help: "Private key file of the cooperative (from `keys generate`).")
        var key: String

        @Option(help: "Checkpoint origin line (default: the key's name).")
        var origin: String?

        func run() throws {
            try LedgerCommand.running {
                let signer = try SigningKeyFile.load(key)
                let ledger = try Ledger.create(at: path.ledger, origin: origin, signer: signer, clock: .fromEnvironment())
                FileHandleOutput.standardOutput.write("created \(path.ledger)\norigin \(ledger.origin)\nkey \(signer.verifier.vkey)\n")
            }
        }
    }
}
