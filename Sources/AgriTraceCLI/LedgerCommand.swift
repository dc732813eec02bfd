import ArgumentParser
import Foundation
import LedgerStore
import MerkleLog

/// `agritrace ledger ...`: create, append to, checkpoint, prove, verify and witness a ledger.
/// Exit status: 0 ok; 2 usage or input-format errors (bad JSON, key or proof file); 3 ledger
/// problems (a rejected append, a failed verification, a database error).
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Create, append to, checkpoint, prove and verify a ledger.",
        subcommands: [Init.self, Append.self, Checkpoint.self, Prove.self, Verify.self, VerifyProof.self, Witness.self])

    /// Runs `body`, printing any error as one line on stderr and mapping it to the exit status.
    static func running(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandleOutput.standardError.write("agritrace: \(error)\n")
            throw ExitCode(exitStatus(for: error))
        }
    }

    static func exitStatus(for error: Error) -> Int32 {
        switch error {
        case is KeyFileError, is EntryError, is InputError: return 2
        case let note as NoteError:
            switch note {
            case .malformedKey, .malformedNote, .malformedCheckpoint, .malformedProof: return 2
            default: return 3
            }
        default: return 3
        }
    }

    static func openLedger(_ path: String, readOnly: Bool = false) throws -> Ledger {
        try Ledger(path: path, clock: .fromEnvironment(), readOnly: readOnly)
    }

    static func readInput(file: String?) throws -> [UInt8] {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw InputError("\(file): cannot read") }
            return Array(data)
        }
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
}

/// `--ledger DB`, shared by the ledger subcommands.
struct LedgerPathOption: ParsableArguments {
    @Option(name: .long, help: "The ledger database file.")
    var ledger: String
}

/// A problem with a command's input files, named with the file.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
