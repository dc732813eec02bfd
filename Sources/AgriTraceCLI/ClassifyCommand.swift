import ArgumentParser

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "classify", abstract: "Classify photos with a grading model.")

    func run() throws { throw NotYetBuilt(command: "classify") }
}
