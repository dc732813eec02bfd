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
        subcommands: [Add.self, List.self, Role.self, Password.self, Remove.self]) }

    /// Runs `body` on the accounts kept beside a real ledger, with the account errors' exit statuses.
    static func withAccounts(_ ledger: String, create: Bool = false, _ body: (Accounts) throws -> Void) throws {
        // A real ledger, so accounts are never kept beside some other file.
        _ = try TraceabilitySupport.openLedger(ledger)
        do {
            let path = Accounts.defaultPath(forLedger: ledger)
            guard create || FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure(.usageError, tr("No accounts yet: add one with `agritrace users add`."))
            }
            try body(try Accounts(path: path, create: create))
        } catch let error as AccountError {
            let text = Localizer.current.render(error.message)
            if case .badStore = error { throw CommandFailure(.internalFailure, text) }
            throw CommandFailure(.usageError, text)
        }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "list", abstract: tr("List the console's accounts and their roles."),
            discussion: ExitStatus.help(success: tr("accounts listed"), readsLedger: true) + "\n\n" + tr("Example:") + """

                  agritrace users list --ledger coop.db
                """) }

        @Option(help: ArgumentHelp(tr("The ledger database the console serves (its accounts are kept beside it).")))
        var ledger: String

        func run() throws {
            guard FileManager.default.fileExists(atPath: Accounts.defaultPath(forLedger: ledger)) else {
                _ = try TraceabilitySupport.openLedger(ledger)
                FileHandleOutput.standardOutput.write(tr("No accounts yet: add one with `agritrace users add`.") + "\n")
                return
            }
            try UsersCommand.withAccounts(ledger) { accounts in
                for user in try accounts.all() { FileHandleOutput.standardOutput.write("\(user.name)\t\(user.role.rawValue)\n") }
            }
        }
    }

    struct Role: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "role", abstract: tr("Give a console account another role: clerk, reviewer or admin; it applies at the account's next request."),
            discussion: ExitStatus.help(success: tr("role changed"), readsLedger: true) + "\n\n" + tr("Example:") + """

                  agritrace users role lan --role reviewer --ledger coop.db
                """) }

        @OptionGroup var account: AccountArguments
        @OptionGroup var role: RoleArgument

        func run() throws {
            try UsersCommand.withAccounts(account.ledger) { accounts in
                try accounts.setRole(name: account.name, role: role.value)
                FileHandleOutput.standardOutput.write(tr("{name} is now {role}.", ["name": .text(account.name), "role": .text(role.role)]) + "\n")
            }
        }
    }

    struct Password: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "password",
            abstract: tr("Set a new password for a console account: its sessions end and a lock-out is lifted."),
            discussion: tr("The password is asked twice at the terminal without being shown; from a script, give it as the first line of standard input.")
                + "\n\n" + ExitStatus.help(success: tr("password changed"), readsLedger: true) + "\n\n" + tr("Example:") + """

                  agritrace users password lan --ledger coop.db
                """) }

        @OptionGroup var account: AccountArguments

        func run() throws {
            try UsersCommand.withAccounts(account.ledger) { accounts in
                guard try accounts.user(named: account.name) != nil else { throw AccountError.unknown(account.name) }
                try accounts.setPassword(name: account.name, password: try Add.readPassword())
                FileHandleOutput.standardOutput.write(tr("Set a new password for {name}; their sessions have ended.", ["name": .text(account.name)]) + "\n")
            }
        }
    }

    struct Remove: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "remove", abstract: tr("Remove a console account: its sessions end at their next request."),
            discussion: ExitStatus.help(success: tr("account removed"), readsLedger: true) + "\n\n" + tr("Example:") + """

                  agritrace users remove lan --ledger coop.db
                """) }

        @OptionGroup var account: AccountArguments

        func run() throws {
            try UsersCommand.withAccounts(account.ledger) { accounts in
                try accounts.remove(name: account.name)
                FileHandleOutput.standardOutput.write(tr("Removed {name} from {file}.", ["name": .text(account.name), "file": .text(accounts.path)]) + "\n")
            }
        }
    }

    struct Add: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "add",
            abstract: tr("Add a console account with a role: clerk, reviewer or admin."),
            discussion: tr("Clerks upload and grade photos, print labels and register origin codes; reviewers also decide held lots' grades; admins also sign checkpoints. The password is asked twice at the terminal without being shown; from a script, give it as the first line of standard input. It is stored only as a bcrypt hash, in the console database beside the ledger (coop.db → coop.console.db), never in the ledger. After {failures} wrong passwords in a row the account is locked for {minutes} minutes.", ["failures": .integer(Accounts.lockAfterFailures), "minutes": .integer(Accounts.lockSeconds / 60)])
                + "\n\n" + ExitStatus.help(success: tr("account added"), readsLedger: true) + "\n\n" + tr("Example:") + """

                  agritrace users add lan --role clerk --ledger coop.db
                """) }

        @OptionGroup var account: AccountArguments
        @OptionGroup var role: RoleArgument

        func run() throws {
            _ = try TraceabilitySupport.openLedger(account.ledger)
            let password = try Self.readPassword()
            try UsersCommand.withAccounts(account.ledger, create: true) { accounts in
                try accounts.add(name: account.name, role: role.value, password: password)
                FileHandleOutput.standardOutput.write(tr("Added {name} ({role}) to {file}.", ["name": .text(account.name), "role": .text(role.role), "file": .text(accounts.path)]) + "\n")
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

/// The account a `users` subcommand names, and the ledger whose accounts it changes.
struct AccountArguments: ParsableArguments {
    @Argument(help: ArgumentHelp(tr("The account's name: 1–32 of a–z 0–9 . _ -, starting with a letter or digit.")))
    var name: String

    @Option(help: ArgumentHelp(tr("The ledger database the console serves (its accounts are kept beside it).")))
    var ledger: String
}

/// `--role`, checked before anything is read.
struct RoleArgument: ParsableArguments {
    @Option(help: ArgumentHelp(tr("clerk, reviewer or admin.")))
    var role: String

    var value: ConsoleRole { ConsoleRole(rawValue: role)! }

    func validate() throws {
        guard ConsoleRole(rawValue: role) != nil else { throw ValidationError(tr("--role must be clerk, reviewer or admin")) }
    }
}
