import ArgumentParser
import Foundation
import Localization
import LedgerStore
import MerkleLog

/// `agritrace ledger ...`: create, append to, checkpoint, prove, verify and witness a ledger.
struct LedgerCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "ledger",
        abstract: tr("Create, append to, checkpoint, prove and verify a ledger."),
        discussion: tr("Example:") + """

              agritrace ledger verify --ledger coop.db --vkey coop.vkey
            """,
        subcommands: [Init.self, Append.self, Checkpoint.self, Prove.self, Verify.self, VerifyProof.self, Witness.self]) }

    static func openLedger(_ path: String, readOnly: Bool = false) throws -> Ledger {
        try TraceabilitySupport.openLedger(path, readOnly: readOnly)
    }

    static func readInput(file: String?) throws -> [UInt8] {
        if let file { return Array(try InputFile.read(file, tr("input file", context: "file kind"))) }
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
}

/// `--ledger DB`, shared by the ledger subcommands.
struct LedgerPathOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(tr("The ledger database file.")))
    var ledger: String
}
