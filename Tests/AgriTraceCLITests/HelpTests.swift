import ArgumentParser
import NeuralNet
@testable import AgriTraceCLI
import Testing

/// Every command's help, walked through the command tree so a new subcommand is checked too.
@Suite struct HelpTests {
    /// Each command type with its full name (e.g. "agritrace ledger verify").
    static func commands(_ type: ParsableCommand.Type = AgriTrace.self, path: [String] = []) -> [(path: String, type: ParsableCommand.Type)] {
        let name = type.configuration.commandName ?? type._commandName
        let here = path + [name]
        return [(here.joined(separator: " "), type)] + type.configuration.subcommands.flatMap { commands($0, path: here) }
    }

    static func leaves() -> [(path: String, type: ParsableCommand.Type)] {
        commands().filter { $0.type.configuration.subcommands.isEmpty }
    }

    static func help(_ type: ParsableCommand.Type) -> String {
        AgriTrace.helpMessage(for: type, columns: 200)
    }

    @Test func theTreeIsWalked() {
        let names = Self.leaves().map(\.path)
        #expect(names.contains("agritrace ledger verify") && names.contains("agritrace grade") && names.contains("agritrace model bench"))
        #expect(names.count >= 20, "\(names)")
    }

    /// Every command, groups and the root included, shows a command line that starts with it.
    @Test func everyCommandHasAnExampleOfItself() {
        for (path, type) in Self.commands() {
            let help = Self.help(type)
            #expect(help.contains("Example"), "\(path) --help has no example")
            #expect(help.contains("\n  \(path) "), "\(path) --help has no example running \(path)")
        }
    }

    @Test func everySubcommandDocumentsItsExitStatuses() {
        for (path, type) in Self.leaves() {
            let help = Self.help(type).replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression)
            #expect(help.contains("Exit status: 0 "), "\(path) --help does not say what exit status 0 means")
            #expect(help.contains("; 2 usage or input error"), "\(path) --help does not say what exit status 2 means")
            #expect(help.contains("; 4 internal or storage failure"), "\(path) --help does not say what exit status 4 means")
        }
    }

    /// Every command that reads an existing ledger (has --ledger and is not `ledger init`) refuses
    /// an altered one with status 3, so its help must list 3.
    @Test func everyCommandReadingALedgerListsStatus3() {
        let readers = Self.leaves().filter { Self.help($0.type).contains("--ledger") && $0.path != "agritrace ledger init" }
        #expect(readers.count >= 10, "\(readers.map(\.path))")
        for (path, type) in readers {
            let help = Self.help(type).replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression)
            #expect(help.contains("; 3 "), "\(path) reads a ledger but its help does not list exit status 3")
        }
    }

    /// The operator list in `model import --help` is written by hand: it must keep up with the importer.
    @Test func modelImportHelpNamesEveryOperatorTheImporterReads() {
        let help = Self.help(ModelCommand.ImportModel.self)
        let words = Set(help.split(whereSeparator: { !$0.isLetter }).map(String.init))
        let missing = OnnxImporter.supportedOperators.subtracting(words)
        #expect(missing.isEmpty, "model import --help does not name \(missing.sorted())")
    }

    @Test func helpNeverPointsIntoTheSourceTree() {
        for (path, type) in Self.commands() {
            #expect(!Self.help(type).contains("Sources/"), "\(path) --help points into Sources/")
        }
    }

    /// ArgumentParser prints "(default: X)" for options with a default value; help text that says
    /// the default again prints it twice.
    @Test func defaultsArePrintedOnce() {
        for (path, type) in Self.commands() {
            for entry in Self.optionEntries(Self.help(type)) {
                let count = entry.lowercased().components(separatedBy: "default").count - 1
                #expect(count <= 1, "\(path): the default is given \(count) times in: \(entry)")
            }
        }
    }

    /// The option and argument entries of a help text: a line starting "  -" or "  <" and the
    /// indented lines that continue it.
    static func optionEntries(_ help: String) -> [String] {
        var entries: [String] = []
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  -") || line.hasPrefix("  <") {
                entries.append(String(line))
            } else if line.hasPrefix("      "), !entries.isEmpty {
                entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        return entries
    }

    @Test func versionOnlyAtTheTop() {
        #expect(Self.help(AgriTrace.self).contains("--version"))
        for (path, type) in Self.commands().dropFirst() {
            #expect(!Self.help(type).contains("--version"), "\(path) --help offers --version")
        }
    }

    /// A cooperative reads the commands of a working day first; the model developer's come after.
    @Test func cooperativeCommandsComeBeforeDeveloperCommands() throws {
        let help = Self.help(AgriTrace.self)
        func position(_ name: String) throws -> String.Index {
            try #require(help.range(of: "\n  \(name) ")?.lowerBound, "root help lists \(name)")
        }
        let lastCooperative = try ["keys", "ledger", "grade", "label", "verify-label", "trace", "export", "audit"].map(position).max()!
        let firstDeveloper = try ["inspect", "classify", "train", "eval", "model"].map(position).min()!
        #expect(lastCooperative < firstDeveloper)
    }
}
