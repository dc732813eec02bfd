import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export ledger records (GS1 EPCIS 2.0).")

    func run() throws { throw NotYetBuilt(command: "export") }
}
