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
/// hashes (cost 12 by default). Repeated failures lock a name for a while (`Lockouts`), whether
/// or not it has an account.
/// One connection behind a lock: the server's requests and `users add` may share the file
/// (SQLite's busy timeout serialises the two processes).
public final class Accounts: @unchecked Sendable {
    public static let minimumPasswordLength = 10
    /// Failed sign-ins in a row that lock the account, and for how long.
    public static let lockAfterFailures = 5
    public static let lockSeconds = 15 * 60
    /// Names whose failed tries are remembered at most (`Lockouts`): memory stays bounded
    /// whatever names are tried.
    public static let lockoutNames = 4096

    public let path: String
    private let connection: SQLiteConnection
    private let lock = NSLock()
    private let cost: UInt8
    /// Failed tries per name, behind `lock`; in memory, so a restart lifts every lock.
    private var lockouts: Lockouts

    /// The accounts file for a ledger: `coop.db` → `coop.console.db`, beside it.
    public static func defaultPath(forLedger ledger: String) -> String {
        let url = URL(fileURLWithPath: ledger)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + ".console.db").path
    }

    /// Opens (with `create`, creates) the accounts file. `cost` is bcrypt's work factor and
    /// `lockoutCapacity` the names remembered (tests lower both).
    public init(path: String, create: Bool = true, cost: UInt8 = 12, lockoutCapacity: Int = Accounts.lockoutNames) throws {
        self.path = path
        self.cost = cost
        lockouts = Lockouts(capacity: lockoutCapacity)
        do {
            connection = try SQLiteConnection(path: path, create: create)
            try connection.execute("""
                PRAGMA busy_timeout = 30000;
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS users (
                    name TEXT PRIMARY KEY NOT NULL,
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    -- No longer used (lock-outs are kept in memory, for every name tried: Lockouts);
                    -- kept so that files made before still match.
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    locked_until INTEGER NOT NULL DEFAULT 0
                ) STRICT;
                """)
        } catch let error as LedgerDatabaseError {
            throw AccountError.badStore(path: path, problem: error.sqliteMessage)
        }
        // Owner-only: the file holds password hashes.
        chmod(path, 0o600)
        // Made now, not on the first unknown name: that try would take twice as long and tell.
        _ = Self.decoyHash(cost: cost)
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

    /// Checks a password; counts failures and locks the name after `lockAfterFailures` in a row.
    /// A name without an account is answered the same way at the same moments, after the same
    /// work (a check against a decoy hash of this store's cost), so nothing tells it apart.
    public func signIn(name: String, password: String, now: Int = Int(Date().timeIntervalSince1970)) throws -> SignIn {
        // Reading the account and counting the try are one step under the lock (parallel tries
        // cannot pass the limit between the two).
        // A name no account can have (the form takes up to 64 KiB) is counted under one shared key,
        // so a flood of long made-up names cannot fill memory; it is answered like any other name.
        let lockoutKey = Identifiers.isUserName(name) ? name : ""
        let (account, start): ((role: ConsoleRole, hash: String)?, Lockouts.Start) = try locked {
            let statement = try connection.statement("SELECT role, password_hash FROM users WHERE name = ?")
            try statement.bind(.text(name))
            defer { statement.reset() }
            var account: (role: ConsoleRole, hash: String)? = nil
            // Never looked up: SQLite compares text only up to a NUL, so "lan\u{0}x" found "lan".
            if !lockoutKey.isEmpty, try statement.step() {
                guard let role = ConsoleRole(rawValue: try statement.checkedText(0, "users.role")) else {
                    throw AccountError.badStore(path: path, problem: "user '\(name)' has an unknown role")
                }
                account = (role, try statement.checkedText(1, "users.password_hash"))
            }
            return (account, lockouts.begin(name: lockoutKey, stamp: account.map { Self.stamp(ofHash: $0.hash) } ?? "", now: now))
        }
        if case .locked(let until) = start { return .locked(until: until) }
        let verified = Bcrypt.verify(password, hash: account?.hash ?? Self.decoyHash(cost: cost))
        let matched = verified && account != nil
        let lockEnd = try locked { lockouts.finish(name: lockoutKey, matched: matched, now: now) }
        if matched, let account { return .signedIn(ConsoleUser(name: name, role: account.role)) }
        return lockEnd.map { .locked(until: $0) } ?? .refused
    }

    /// Names whose failed tries are remembered now (at most `lockoutCapacity`).
    var rememberedNames: Int { (try? locked { lockouts.entries.count }) ?? 0 }

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
            return (ConsoleUser(name: name, role: role), Self.stamp(ofHash: try statement.checkedText(1, "users.password_hash")))
        }
    }

    /// The SHA-256 of a stored hash: it changes with every new password (bcrypt salts each).
    private static func stamp(ofHash hash: String) -> String {
        SHA256.hash(data: Array(hash.utf8)).map { String(format: "%02x", $0) }.joined()
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

    /// Sets a new password (ending the account's sessions) and lifts a lock-out: the new stamp
    /// starts the count again, also in a console already running.
    public func setPassword(name: String, password: String) throws {
        guard password.count >= Self.minimumPasswordLength else { throw AccountError.weakPassword(minimum: Self.minimumPasswordLength) }
        let hash = Bcrypt.hash(password, cost: cost)
        try changing(name) {
            try connection.statement("UPDATE users SET password_hash = ? WHERE name = ?")
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

    /// A hash no password is checked against except for names without an account, at the cost
    /// this store hashes with (a check costs what the hash's cost says). Made once per cost.
    private static func decoyHash(cost: UInt8) -> String {
        decoyLock.lock()
        defer { decoyLock.unlock() }
        if let hash = decoys[cost] { return hash }
        let hash = Bcrypt.hash(Sessions.randomToken(), cost: cost)
        decoys[cost] = hash
        return hash
    }
    private static let decoyLock = NSLock()
    nonisolated(unsafe) private static var decoys: [UInt8: String] = [:]

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
