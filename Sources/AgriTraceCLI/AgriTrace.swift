import ArgumentParser
import Foundation
import Kernels
import Localization

/// The `agritrace` root command: structure only; each subcommand lives in its own file.
/// Exit statuses are defined once, in `ExitStatus`.
public struct AgriTrace: ParsableCommand {
    public static let version = "0.1.0"

    // Computed, not stored: the language is chosen before the command line is parsed.
    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "agritrace",
        abstract: tr("Grade produce photos, record results in a tamper-evident ledger, and verify them."),
        discussion: tr("Exit statuses, the same for every command: 0 success, VERIFIED or INTACT; 1 finished but something needs attention (unreadable photos, lots held for review, nothing found); 2 usage or input error (bad option, file not found, malformed input, wrong key); 3 verification failed (NOT VERIFIED, TAMPERED, refused by a witness); 4 internal or storage failure.")
            + "\n\n" + tr("Language: --lang vi or --lang en (before or after the command), else from LC_ALL, LC_MESSAGES or LANG (vi_VN.UTF-8 is Vietnamese), else English.")
            + "\n\n" + tr("Example:") + """

              agritrace grade upload.zip --ledger coop.db --key ~/.config/agritrace/coop.key
            """,
        // The cooperative's and buyers' commands first, in the order of a working day; the
        // model developer's tools after them.
        subcommands: [
            KeysCommand.self,
            LedgerCommand.self,
            GradeCommand.self,
            ReviewCommand.self,
            LabelCommand.self,
            VerifyLabelCommand.self,
            TraceCommand.self,
            ExportCommand.self,
            AuditCommand.self,
            ServeCommand.self,
            WitnessCommand.self,
            UsersCommand.self,
            ProvinceCommand.self,
        ],
        groupedSubcommands: [
            CommandGroup(name: tr("Model development"), subcommands: [
                InspectCommand.self,
                ClassifyCommand.self,
                TrainCommand.self,
                EvalCommand.self,
                ModelCommand.self,
            ]),
        ]
    ) }

    // Declared here rather than through `configuration.version`, which would add --version to
    // every subcommand's help as well.
    @Flag(help: ArgumentHelp(tr("Print the version and exit.")))
    var version = false

    public init() {}

    public func run() throws {
        guard version else { throw CleanExit.helpRequest(self) }
        FileHandleOutput.standardOutput.write(Self.version + "\n")
    }
}

extension AgriTrace {
    /// Chooses the language (`LanguageChoice`), parses the command line, runs the command and
    /// exits with its `ExitStatus`. Errors are caught here, after the command has returned and
    /// its `defer`s have run.
    public static func runAndExit() -> Never {
        // A file size limit (ulimit -f) then fails the write with EFBIG, which is reported and
        // cleaned up like a full disk, instead of killing the process mid-file.
        signal(SIGXFSZ, SIG_IGN)
        let arguments: [String]
        do {
            let choice = try LanguageChoice.resolve(arguments: Array(CommandLine.arguments.dropFirst()),
                                                    environment: ProcessInfo.processInfo.environment)
            arguments = choice.arguments
            do { Localizer.current = try Localizer.bundled(choice.language) } catch {
                // A broken catalogue must not stop the work: say where it is broken, carry on in English.
                FileHandleOutput.standardError.write("agritrace: \(error) (messages in English / thông báo bằng tiếng Anh)\n")
            }
        } catch {
            FileHandleOutput.standardError.write("agritrace: \(error)\n")
            Foundation.exit(ExitStatus.usageError.rawValue)
        }
        if let problem = KernelChoiceProblem(KernelISA.request(environment: ProcessInfo.processInfo.environment)) {
            Foundation.exit(report(problem).rawValue)
        }
        let status: ExitStatus
        do {
            var command = try parseAsRoot(arguments)
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
                FileHandleOutput.standardOutput.write(ArgumentParserText.localize(fullMessage(for: error)) + "\n")
                return .success
            case .validationFailure:
                FileHandleOutput.standardError.write(ArgumentParserText.localize(fullMessage(for: error)) + "\n")
                return .usageError
            default:
                break
            }
        }
        let status = ExitStatus(for: error)
        let message = render(error)
        if !message.isEmpty { FileHandleOutput.standardError.write("agritrace: \(message)\n") }
        return status
    }
}
