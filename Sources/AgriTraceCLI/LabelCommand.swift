import ArgumentParser

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "label", abstract: "Write a lot's printable QR label and its buyer proof file.")

    func run() throws { throw NotYetBuilt(command: "label") }
}
