import ArgumentParser

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Generate signing keys.")

    func run() throws { throw NotYetBuilt(command: "keys") }
}
