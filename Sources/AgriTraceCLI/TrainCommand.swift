import ArgumentParser

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a grading model from a folder of labelled photos.")

    func run() throws { throw NotYetBuilt(command: "train") }
}
