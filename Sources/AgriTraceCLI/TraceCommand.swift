import ArgumentParser

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace", abstract: "Show the provenance of a lot, origin code or GS1 Digital Link.")

    func run() throws { throw NotYetBuilt(command: "trace") }
}
