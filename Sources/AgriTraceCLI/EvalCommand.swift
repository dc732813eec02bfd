import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate a model on a folder of labelled photos.")

    func run() throws { throw NotYetBuilt(command: "eval") }
}
