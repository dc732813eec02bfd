import ArgumentParser

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Decode photos and print their format, size, orientation and decode status.")

    func run() throws { throw NotYetBuilt(command: "inspect") }
}
