import ArgumentParser
import Console
import Foundation
import Localization
#if canImport(Glibc)
import Glibc
#endif

/// `agritrace users add NAME --role ROLE --ledger DB`: the console's accounts.
struct UsersCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "users",
        abstract: tr("Manage the accounts of the cooperative's console (serve --console)."),
        discussion: tr("Example:") + """

              agritrace users add hoa --role admin --ledger coop.db
            """,
        subcommands: [Add.self]) }

    struct Add: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "add",
            abstract: tr("Add a console account with a role: clerk, reviewer or admin."),
            discussion: tr("Clerks upload and grade photos, print labels and register origin codes; reviewers also decide held lots' grades; admins also sign checkpoints. The password is asked twice at the terminal without being shown; from a script, give it as the first line of standard input. It is stored only as a bcrypt hash, in the console database beside the ledger (coop.db → coop.console.db), never in the ledger. After 5 wrong passwords in a row the account is locked for 15 minutes.")
                + "\n\n" + ExitStatus.help(success: tr("account added"), readsLedger: true) + "\n\n" + tr("Example:") + """

                  agritrace users add lan --role clerk --ledger coop.db
                """) }

        @Argument(help: ArgumentHelp(tr("The account's name: 1–32 of a–z 0–9 . _ -, starting with a letter or digit.")))
        var name: String

        @Option(help: ArgumentHelp(tr("clerk, reviewer or admin.")))
        var role: String

        @Option(help: ArgumentHelp(tr("The ledger database the console serves (its accounts are kept beside it).")))
        var ledger: String

        func validate() throws {
            guard ConsoleRole(rawValue: role) != nil else { throw ValidationError(tr("--role must be clerk, reviewer or admin")) }
        }

        func run() throws {
            // A real ledger, so accounts are never kept beside some other file.
            _ = try TraceabilitySupport.openLedger(ledger)
            let password = try Self.readPassword()
            do {
                let accounts = try Accounts(path: Accounts.defaultPath(forLedger: ledger))
                try accounts.add(name: name, role: ConsoleRole(rawValue: role)!, password: password)
                FileHandleOutput.standardOutput.write(tr("Added {name} ({role}) to {file}.", ["name": .text(name), "role": .text(role), "file": .text(accounts.path)]) + "\n")
            } catch let error as AccountError {
                let text = Localizer.current.render(error.message)
                if case .badStore = error { throw CommandFailure(.internalFailure, text) }
                throw CommandFailure(.usageError, text)
            }
        }

        /// At a terminal: asked twice with echo off. Otherwise the first line of standard input.
        static func readPassword() throws -> String {
            guard isatty(STDIN_FILENO) == 1 else {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
                return String(line.hasSuffix("\r") ? line.dropLast() : line)
            }
            let first = try ask(tr("Password: "))
            let second = try ask(tr("The same password again: "))
            guard first == second else { throw CommandFailure(.usageError, tr("the two passwords differ; nothing was added")) }
            return first
        }

        private static func ask(_ prompt: String) throws -> String {
            FileHandleOutput.standardError.write(prompt)
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
            defer {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandleOutput.standardError.write("\n")
            }
            guard let line = Swift.readLine(strippingNewline: true) else {
                throw CommandFailure(.usageError, tr("no password given; nothing was added"))
            }
            return line
        }
    }
}
