import ArgumentParser
import Foundation

/// The `agritrace` root command: structure only; each subcommand lives in its own file.
///
/// Exit codes used across commands: 0 success, 1 some inputs failed (bad photo, failed check),
/// 2 usage or input-format errors (nothing done), 3 ledger problems (verification failed, database error).
public struct AgriTrace: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "agritrace",
        abstract: "Grade produce photos, record results in a tamper-evident ledger, and verify them.",
        version: version,
        subcommands: [
            InspectCommand.self,
            ClassifyCommand.self,
            ModelCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            KeysCommand.self,
            LedgerCommand.self,
            GradeCommand.self,
            TraceCommand.self,
            LabelCommand.self,
            VerifyLabelCommand.self,
            ExportCommand.self,
            AuditCommand.self,
        ]
    )

    public init() {}
}

extension AgriTrace {
    /// Parses the command line, runs the command and exits, mapping argument errors to status 2
    /// (ArgumentParser's own default is 64) so every command shares one documented usage status.
    public static func runAndExit() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            Self.exit()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandleOutput.standardError.write(fullMessage(for: error) + "\n")
                Foundation.exit(2)
            }
            Self.exit(withError: error)
        }
    }
}
