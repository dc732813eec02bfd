import ArgumentParser
import Foundation

/// The `agritrace` root command: structure only; each subcommand lives in its own file.
/// Exit statuses are defined once, in `ExitStatus`.
public struct AgriTrace: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "agritrace",
        abstract: "Grade produce photos, record results in a tamper-evident ledger, and verify them.",
        discussion: """
            Exit statuses, the same for every command: 0 success, VERIFIED or INTACT; 1 finished but \
            something needs attention (unreadable photos, lots held for review, nothing found); 2 usage \
            or input error (bad option, file not found, malformed input, wrong key); 3 verification \
            failed (NOT VERIFIED, TAMPERED, refused by a witness); 4 internal or storage failure.

            Example:
              agritrace grade upload.zip --ledger coop.db --key ~/.config/agritrace/coop.key
            """,
        // The cooperative's and buyers' commands first, in the order of a working day; the
        // model developer's tools after them.
        subcommands: [
            KeysCommand.self,
            LedgerCommand.self,
            GradeCommand.self,
            LabelCommand.self,
            VerifyLabelCommand.self,
            TraceCommand.self,
            ExportCommand.self,
            AuditCommand.self,
        ],
        groupedSubcommands: [
            CommandGroup(name: "Model development", subcommands: [
                InspectCommand.self,
                ClassifyCommand.self,
                TrainCommand.self,
                EvalCommand.self,
                ModelCommand.self,
            ]),
        ]
    )

    // Declared here rather than through `configuration.version`, which would add --version to
    // every subcommand's help as well.
    @Flag(help: "Print the version and exit.")
    var version = false

    public init() {}

    public func run() throws {
        guard version else { throw CleanExit.helpRequest(self) }
        FileHandleOutput.standardOutput.write(Self.version + "\n")
    }
}

extension AgriTrace {
    /// Parses the command line, runs the command and exits with its `ExitStatus`. Errors are
    /// caught here, after the command has returned and its `defer`s have run.
    public static func runAndExit() -> Never {
        let status: ExitStatus
        do {
            var command = try parseAsRoot()
            try command.run()
            status = .success
        } catch {
            status = report(error)
        }
        Foundation.exit(status.rawValue)
    }

    /// Prints what the user needs to know about `error` and returns the status to exit with.
    static func report(_ error: any Error) -> ExitStatus {
        switch error {
        case let status as ExitStatus:
            return status   // the command has printed its verdict
        case is CommandFailure:
            break
        default:
            // ArgumentParser's own outcomes: --help (status 0) and parse or validation errors (2).
            switch exitCode(for: error) {
            case .success:
                FileHandleOutput.standardOutput.write(fullMessage(for: error) + "\n")
                return .success
            case .validationFailure:
                FileHandleOutput.standardError.write(fullMessage(for: error) + "\n")
                return .usageError
            default:
                break
            }
        }
        let status = ExitStatus(for: error)
        let message = "\(error)"
        if !message.isEmpty { FileHandleOutput.standardError.write("agritrace: \(message)\n") }
        return status
    }
}
