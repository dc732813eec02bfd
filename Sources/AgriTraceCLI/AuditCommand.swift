import ArgumentParser

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Write a self-contained HTML audit report of a ledger.")

    func run() throws { throw NotYetBuilt(command: "audit") }
}
