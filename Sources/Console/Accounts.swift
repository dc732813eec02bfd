import Crypto
import Foundation
import HummingbirdBcrypt
import LedgerStore
import Localization
import Provenance

/// What an account may do in the console. Each role can do what the one before it can.
public enum ConsoleRole: String, Sendable, CaseIterable, Comparable {
    /// Uploads and grades, prints labels, registers origins.
    case clerk
    /// Also accepts or changes held lots' grades.
    case reviewer
    /// Also signs checkpoints.
    case admin

    var rank: Int { ConsoleRole.allCases.firstIndex(of: self)! }
    public static func < (a: ConsoleRole, b: ConsoleRole) -> Bool { a.rank < b.rank }
}

/// A signed-in account.
public struct ConsoleUser: Sendable, Equatable {
    public let name: String
    public let role: ConsoleRole
}

/// Why an account cannot be added or a sign-in failed.
public enum AccountError: LocalizableError, Equatable {
    case badName(String)
    case exists(String)
    case weakPassword(minimum: Int)
    case badStore(path: String, problem: String)
    case unknown(String)

    public var message: Message {
        switch self {
        case .badName(let name):
            return Message("user name '{name}' must be 1–32 of a–z 0–9 . _ -, starting with a letter or digit",
                           ["name": .text(EntryValidator.printable(name))])
        case .exists(let name): return Message("user '{name}' already exists", ["name": .text(name)])
        case .unknown(let name): return Message("there is no user '{name}'", ["name": .text(EntryValidator.printable(name))])
        case .weakPassword(let minimum): return Message("the password must have at least {n} characters", ["n": .integer(minimum)])
        case .badStore(let path, let problem):
            return Message("console database {file}: {problem}", ["file": .text(path), "problem": .text(problem)])
        }
    }
}

/// The console's accounts, in their own SQLite file beside the ledger (never in the ledger: a
/// password hash must not be published with the entries). Passwords are stored only as bcrypt
/// hashes (cost 12 by default). Repeated failures lock an account for a while.
/// One connection behind a lock: the server's requests and `users add` may share the file
/// (SQLite's busy timeout serialises the two processes).
public final class Accounts: @unchecked Sendable {
    public static let minimumPasswordLength = 10
    /// Failed sign-ins in a row that lock the account, and for how long.
    public static let lockAfterFailures = 5
    public static let lockSeconds = 15 * 60

    public let path: String
    private let connection: SQLiteConnection
    private let lock = NSLock()
    private let cost: UInt8

    /// The accounts file for a ledger: `coop.db` → `coop.console.db`, beside it.
    public static func defaultPath(forLedger ledger: String) -> String {
        let url = URL(fileURLWithPath: ledger)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + ".console.db").path
    }

    /// Opens (with `create`, creates) the accounts file. `cost` is bcrypt's work factor (tests lower it).
    public init(path: String, create: Bool = true, cost: UInt8 = 12) throws {
        self.path = path
        self.cost = cost
        do {
            connection = try SQLiteConnection(path: path, create: create)
            try connection.execute("""
                PRAGMA busy_timeout = 30000;
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS users (
                    name TEXT PRIMARY KEY NOT NULL,
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    locked_until INTEGER NOT NULL DEFAULT 0
                ) STRICT;
                """)
        } catch let error as LedgerDatabaseError {
            throw AccountError.badStore(path: path, problem: error.sqliteMessage)
        }
        // Owner-only: the file holds password hashes.
        chmod(path, 0o600)
    }

    public func add(name: String, role: ConsoleRole, password: String) throws {
        guard Identifiers.isUserName(name) else { throw AccountError.badName(name) }
        guard password.count >= Self.minimumPasswordLength else { throw AccountError.weakPassword(minimum: Self.minimumPasswordLength) }
        let hash = Bcrypt.hash(password, cost: cost)
        try locked {
            try connection.immediateTransaction {
                let existing = try connection.statement("SELECT 1 FROM users WHERE name = ?")
                try existing.bind(.text(name))
                if try existing.step() { throw AccountError.exists(name) }
                try connection.statement("INSERT INTO users (name, role, password_hash) VALUES (?, ?, ?)")
                    .bind(.text(name), .text(role.rawValue), .text(hash)).run()
            }
        }
    }

    public enum SignIn: Equatable, Sendable {
        case signedIn(ConsoleUser)
        /// Unknown name or wrong password (the two are not told apart).
        case refused
        /// Too many failures: no password is checked until `until` (seconds since 1970).
        case locked(until: Int)
    }

    /// Checks a password; counts failures and locks the account after `lockAfterFailures` in a row.
    public func signIn(name: String, password: String, now: Int = Int(Date().timeIntervalSince1970)) throws -> SignIn {
        let row: (role: ConsoleRole, hash: String, failed: Int, lockedUntil: Int)? = try locked {
            let statement = try connection.statement("SELECT role, password_hash, failed_logins, locked_until FROM users WHERE name = ?")
            try statement.bind(.text(name))
            defer { statement.reset() }
            guard try statement.step() else { return nil }
            guard let role = ConsoleRole(rawValue: try statement.checkedText(0, "users.role")) else {
                throw AccountError.badStore(path: path, problem: "user '\(name)' has an unknown role")
            }
            return (role, try statement.checkedText(1, "users.password_hash"), try statement.checkedInt(2, "users.failed_logins", in: 0...1_000_000),
                    try statement.checkedInt(3, "users.locked_until", in: 0...Int(Int64.max)))
        }
        guard let row else {
            // The same work as a real check, so timing does not tell which names exist.
            _ = Bcrypt.verify(password, hash: Self.decoyHash)
            return .refused
        }
        if row.lockedUntil > now { return .locked(until: row.lockedUntil) }
        let matches = Bcrypt.verify(password, hash: row.hash)
        return try locked {
            if matches {
                try connection.statement("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = ?").bind(.text(name)).run()
                return .signedIn(ConsoleUser(name: name, role: row.role))
            }
            let failed = row.failed + 1
            if failed >= Self.lockAfterFailures {
                try connection.statement("UPDATE users SET failed_logins = 0, locked_until = ? WHERE name = ?")
                    .bind(.integer(now + Self.lockSeconds), .text(name)).run()
                return .locked(until: now + Self.lockSeconds)
            }
            try connection.statement("UPDATE users SET failed_logins = ? WHERE name = ?").bind(.integer(failed), .text(name)).run()
            return .refused
        }
    }

    /// The account as stored now (a session re-reads it, so a changed role applies at once).
    public func user(named name: String) throws -> ConsoleUser? { try account(named: name)?.user }

    /// The account as stored now with a stamp of its password (the SHA-256 of the stored hash).
    /// A session keeps the stamp it signed in with: a new password, or the account removed and
    /// added again under the same name, ends every older session.
    public func account(named name: String) throws -> (user: ConsoleUser, credential: String)? {
        try locked {
            let statement = try connection.statement("SELECT role, password_hash FROM users WHERE name = ?")
            try statement.bind(.text(name))
            defer { statement.reset() }
            guard try statement.step(), let role = ConsoleRole(rawValue: try statement.checkedText(0, "users.role")) else { return nil }
            let hash = try statement.checkedText(1, "users.password_hash")
            return (ConsoleUser(name: name, role: role), SHA256.hash(data: Array(hash.utf8)).map { String(format: "%02x", $0) }.joined())
        }
    }

    /// Every account, by name.
    public func all() throws -> [ConsoleUser] {
        try locked {
            let statement = try connection.statement("SELECT name, role FROM users ORDER BY name")
            defer { statement.reset() }
            var users: [ConsoleUser] = []
            while try statement.step() {
                let name = try statement.checkedText(0, "users.name")
                guard let role = ConsoleRole(rawValue: try statement.checkedText(1, "users.role")) else {
                    throw AccountError.badStore(path: path, problem: "user '\(name)' has an unknown role")
                }
                users.append(ConsoleUser(name: name, role: role))
            }
            return users
        }
    }

    /// Removes an account; its sessions end at their next request.
    public func remove(name: String) throws {
        try changing(name) { try connection.statement("DELETE FROM users WHERE name = ?").bind(.text(name)).run() }
    }

    /// Gives an account another role, effective at its sessions' next request.
    public func setRole(name: String, role: ConsoleRole) throws {
        try changing(name) { try connection.statement("UPDATE users SET role = ? WHERE name = ?").bind(.text(role.rawValue), .text(name)).run() }
    }

    /// Sets a new password (ending the account's sessions) and lifts a lock-out.
    public func setPassword(name: String, password: String) throws {
        guard password.count >= Self.minimumPasswordLength else { throw AccountError.weakPassword(minimum: Self.minimumPasswordLength) }
        let hash = Bcrypt.hash(password, cost: cost)
        try changing(name) {
            try connection.statement("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE name = ?")
                .bind(.text(hash), .text(name)).run()
        }
    }

    /// Runs `change` on an existing account in one transaction, refusing an unknown name.
    private func changing(_ name: String, _ change: () throws -> Void) throws {
        try locked {
            try connection.immediateTransaction {
                let existing = try connection.statement("SELECT 1 FROM users WHERE name = ?")
                try existing.bind(.text(name))
                let found = try existing.step()
                existing.reset()
                guard found else { throw AccountError.unknown(name) }
                try change()
            }
        }
    }

    public func count() throws -> Int {
        try locked { try connection.singleInteger("SELECT count(*) FROM users") ?? 0 }
    }

    private static let decoyHash = Bcrypt.hash("decoy password, never valid", cost: 12)

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
