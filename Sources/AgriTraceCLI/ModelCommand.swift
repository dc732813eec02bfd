import ArgumentParser

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "Import, describe, run and benchmark grading models.")

    func run() throws { throw NotYetBuilt(command: "model") }
}
