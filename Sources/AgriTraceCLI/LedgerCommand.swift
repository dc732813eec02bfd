import ArgumentParser

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "Create, append to, checkpoint, prove and verify a ledger.")

    func run() throws { throw NotYetBuilt(command: "ledger") }
}
