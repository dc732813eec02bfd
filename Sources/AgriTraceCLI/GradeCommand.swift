import ArgumentParser

struct GradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grade", abstract: "Grade an upload of photos and record the results in the ledger.")

    func run() throws { throw NotYetBuilt(command: "grade") }
}
