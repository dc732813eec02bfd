import ArgumentParser

struct VerifyLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify-label", abstract: "Check a buyer proof file offline.")

    func run() throws { throw NotYetBuilt(command: "verify-label") }
}
