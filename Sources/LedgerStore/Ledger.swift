import CSQLite
import Foundation
import MerkleLog
import Localization

/// A tamper-evident ledger in one SQLite file: signed, hash-chained entries that are the leaves
/// of an RFC 9162 Merkle tree, with stored subtree hashes and signed checkpoints.
///
/// One `Ledger` wraps one connection and is not thread-safe; open one per thread or process.
/// Several processes may append to the same file at once: appends serialise on SQLite's write
/// lock (`BEGIN IMMEDIATE`, WAL mode, busy timeout) and each sees the other's entries.
public final class Ledger {
    /// `PRAGMA application_id` of ledger files ("AGTR").
    static let applicationID: Int32 = 0x4147_5452
    /// The most entries a ledger may hold: far beyond any real ledger, and far enough below
    /// Int64.max that no arithmetic on a seq or tree size read from a (possibly edited) file can
    /// overflow. Every seq and size read from storage is checked against it.
    public static let maxEntries = 1 << 40
    /// How long an append waits for another process's write lock before failing.
    public static let busyTimeoutMilliseconds = 30_000

    public let path: String
    /// The checkpoint origin line, fixed at creation.
    public let origin: String
    /// What the entry types mean; run on every append and by `verify`.
    public let rules: any EntryRules
    let db: SQLiteConnection
    let clock: LedgerClock

    /// Opens an existing ledger whose entries follow `rules`.
    public init(path: String, rules: any EntryRules, clock: LedgerClock = .system, readOnly: Bool = false) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw LedgerError.notALedger(path: path, reason: Message("no such file")) }
        if let problem = Message.notRegularFile(path) { throw LedgerError.notALedger(path: path, reason: problem) }
        if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 {
            throw LedgerError.notALedger(path: path, reason: Message("the file is empty"))
        }
        precondition(!rules.types.contains(KeyRecord.entryType), "key entries are the ledger's own")
        self.path = path
        self.rules = rules
        self.clock = clock
        do {
            db = try Ledger.connect(path, readOnly: readOnly)
            guard try db.singleInteger("PRAGMA application_id") == Int(Ledger.applicationID) else {
                throw LedgerError.notALedger(path: path, reason: Message("not created by agritrace ledger init"))
            }
            if readOnly {
                let version = try db.singleInteger("PRAGMA user_version") ?? 0
                if version > Migrations.latestVersion {
                    throw LedgerError.unsupportedSchema(path: path, version: version, supported: Migrations.latestVersion)
                }
                guard version == Migrations.latestVersion else {
                    throw LedgerError.notALedger(path: path, reason: Message("schema version {version} predates this build's {latest_version}; open it once for writing (any append or checkpoint) to migrate it", ["version": .text("\(version)"), "latest_version": .text("\(Migrations.latestVersion)")]))
                }
            } else {
                try Migrations.migrate(db)
            }
            let statement = try db.statement("SELECT value FROM ledger_meta WHERE key = 'origin'")
            guard try statement.step() else { throw LedgerError.notALedger(path: path, reason: Message("no origin recorded")) }
            let origin = try statement.checkedText(0, "ledger_meta.origin", maxBytes: 1024)
            self.origin = origin
            db.resetStatements()
        } catch let error as LedgerDatabaseError where error.code & 0xff == SQLITE_CORRUPT {
            throw LedgerError.damaged(path: path, reason: error.reason)
        } catch let error as LedgerDatabaseError where Self.storageFailures.contains(error.code & 0xff) {
            // The disk, the memory or another process failed us: the file may be a fine ledger.
            throw LedgerError.database(error)
        } catch let error as LedgerDatabaseError {
            throw LedgerError.notALedger(path: path, reason: error.reason)
        } catch let error as StoredValueError {
            throw LedgerError.storedValue(error)
        }
    }

    /// SQLite results that say nothing about what the file is (status 4, storage failure).
    static let storageFailures: Set<Int32> = [SQLITE_IOERR, SQLITE_FULL, SQLITE_NOMEM, SQLITE_BUSY, SQLITE_LOCKED,
                                              SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM]

    /// A reader needs no write access: a ledger in a folder it cannot write (read-only media, a
    /// share) is opened immutable when SQLite cannot create its shared-memory file beside it.
    private static func connect(_ path: String, readOnly: Bool) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, readOnly: readOnly)
        guard readOnly else {
            try configure(db)
            return db
        }
        try db.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        do {
            _ = try db.singleInteger("PRAGMA application_id")
            return db
        } catch let error as LedgerDatabaseError where [SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_IOERR].contains(error.code & 0xff) {
            let immutable = try SQLiteConnection(path: path, readOnly: true, immutable: true)
            try immutable.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
            return immutable
        }
    }

    /// Creates a ledger whose first entry registers `signer` (a `key` entry it signs itself).
    /// The checkpoint origin defaults to the key name, as C2SP recommends.
    @discardableResult
    public static func create(at path: String, origin: String? = nil, signer: NoteSigner, rules: any EntryRules,
                              clock: LedgerClock = .system) throws -> Ledger {
        guard !FileManager.default.fileExists(atPath: path) else { throw LedgerError.alreadyExists(path: path) }
        let origin = origin ?? signer.name
        do { try NoteVerifier.checkKeyName(origin) } catch {
            throw LedgerError.notALedger(path: path, reason: Message("origin '{origin}' must be non-empty without spaces or '+'", ["origin": .text("\(origin)")]))
        }
        // Entry 0 is checked as a reader will check it before the file exists, so a key that may
        // not sign entries (a witness key) leaves no unreadable ledger behind.
        let genesis = KeyRecord(action: .add, verifier: signer.verifier).body
        do { _ = try KeyRecord(genesis) } catch {
            throw LedgerError.rejectedEntry(index: 0, type: KeyRecord.entryType, reason: Message("the ledger's key: {error}", ["error": .message(.describing(error))]))
        }
        try wrap {
            let db = try SQLiteConnection(path: path, create: true)
            try configure(db)
            try db.execute("PRAGMA application_id = \(applicationID)")
            try Migrations.migrate(db)
            try db.immediateTransaction {
                try db.statement("INSERT INTO ledger_meta (key, value) VALUES ('origin', ?)").bind(.text(origin)).run()
            }
        }
        let ledger = try Ledger(path: path, rules: rules, clock: clock)
        try ledger.append([genesis], signer: signer)
        return ledger
    }

    private static func configure(_ db: SQLiteConnection) throws {
        // WAL lets readers run beside the appender; synchronous=NORMAL in WAL mode keeps every
        // commit atomic and survives a killed process (a power cut may drop the last commits,
        // never corrupt the file).
        try db.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
    }

    /// Maps SQLite failures to `LedgerError.database` and impossible stored values to `.storedValue`.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LedgerDatabaseError { throw LedgerError.database(error) } catch let error as StoredValueError {
            throw LedgerError.storedValue(error)
        }
    }

    /// `wrap` for operations on this ledger's connection, resetting statements when done.
    func run<T>(_ body: () throws -> T) throws -> T {
        try db.operation { try Ledger.wrap(body) }
    }

    // MARK: - Size and integrity

    /// Number of entries = Merkle tree size (one more than the largest seq; `verify` is what
    /// checks that no seq below it is missing, so never loop up to this without reading rows).
    public func size() throws -> Int {
        try run {
            let statement = try db.statement("SELECT MAX(seq) FROM entries")
            defer { statement.reset() }
            guard try statement.step(), !statement.isNull(0) else { return 0 }
            return try statement.checkedInt(0, "entries.seq", in: 0...Ledger.maxEntries - 1) + 1
        }
    }

    /// `PRAGMA integrity_check`: SQLite's own structural check; empty when the file is sound.
    public func integrityCheck() throws -> [String] {
        try run {
            let statement = try db.statement("PRAGMA integrity_check")
            var problems = [String]()
            while try statement.step() {
                if let line = statement.text(0), line != "ok" { problems.append(line) }
            }
            return problems
        }
    }
}
