import CSQLite
import Localization

/// Owns one SQLite connection handle and closes it in `deinit`. Statements are cached by SQL text.
/// Not thread-safe: use one connection per thread (SQLite itself is built thread-safe).
/// Public for the console's account database, so the SQLite handle keeps one owner.
public final class SQLiteConnection {
    let path: String
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    /// `immutable`: read-only, without locks or the shared-memory file (SQLite's `immutable=1`).
    public init(path: String, readOnly: Bool = false, create: Bool = false, immutable: Bool = false) throws {
        var db: OpaquePointer?
        let flags = (readOnly || immutable ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
            | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0)
        let name = immutable ? "file:" + Self.uriEscaped(path) + "?immutable=1" : path
        let status = sqlite3_open_v2(name, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            if let db { sqlite3_close_v2(db) }
            throw LedgerDatabaseError(path: path, code: status, message: message, sql: nil)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    /// A path as a `file:` URI path: '%', '?' and '#' would otherwise be read as URI syntax.
    private static func uriEscaped(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            if byte >= 0x80 || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") {
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append(contentsOf: ["%", hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    deinit {
        statements.removeAll()   // finalize before closing
        sqlite3_close_v2(handle)
    }

    func error(_ status: Int32, sql: String?) -> LedgerDatabaseError {
        LedgerDatabaseError(path: path, code: status, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status, sql: sql) }
    }

    /// A cached prepared statement, reset and with bindings cleared.
    public func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else { throw error(status, sql: sql) }
        let statement = SQLiteStatement(raw, connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` (the write lock is taken up front, so two appenders
    /// serialise instead of deadlocking on a lock upgrade); commits, or rolls back and rethrows.
    public func immediateTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            // A statement left mid-result would keep a read snapshot past the commit, and the
            // WAL could then never be checkpointed into the database file (it would grow forever).
            resetStatements()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// A read transaction: a consistent snapshot for multi-statement reads. Inside a transaction
    /// already, `body` simply runs in it (SQLite transactions do not nest).
    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try body() }
        try execute("BEGIN DEFERRED")
        defer {
            resetStatements()
            try? execute("COMMIT")
        }
        return try body()
    }

    private var operationDepth = 0

    /// Runs one public ledger operation. When the outermost one ends, every cached statement is
    /// reset: a statement left mid-result would keep its read snapshot open, hiding other
    /// processes' commits and blocking WAL checkpoints.
    func operation<T>(_ body: () throws -> T) rethrows -> T {
        operationDepth += 1
        defer {
            operationDepth -= 1
            if operationDepth == 0 { resetStatements() }
        }
        return try body()
    }

    func resetStatements() {
        for statement in statements.values { statement.reset() }
    }

    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    public func singleInteger(_ sql: String) throws -> Int? {
        let statement = try self.statement(sql)
        defer { statement.reset() }   // release the read snapshot at once
        return try statement.step() ? statement.optionalInt(0) : nil
    }
}

/// A prepared statement, finalized in `deinit`.
public final class SQLiteStatement {
    private let raw: OpaquePointer
    private unowned let connection: SQLiteConnection
    let sql: String

    /// SQLite copies bound text and blobs when given SQLITE_TRANSIENT (-1).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ raw: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.raw = raw
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(raw) }

    public func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    @discardableResult
    public func bind(_ values: SQLiteValue...) throws -> SQLiteStatement {
        for (offset, value) in values.enumerated() { try bind(at: Int32(offset + 1), value) }
        return self
    }

    /// Binds one parameter (1-based index).
    func bind(at index: Int32, _ value: SQLiteValue) throws {
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(raw, index)
            case .integer(let number): status = sqlite3_bind_int64(raw, index, Int64(number))
            case .text(let text): status = sqlite3_bind_text(raw, index, text, -1, SQLiteStatement.transient)
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { sqlite3_bind_blob(raw, index, $0.baseAddress, Int32($0.count), SQLiteStatement.transient) }
            }
            guard status == SQLITE_OK else { throw connection.error(status, sql: sql) }
    }

    /// Advances; true when a row is available.
    public func step() throws -> Bool {
        let status = sqlite3_step(raw)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(status, sql: sql)
        }
    }

    /// Runs a statement that returns no rows.
    public func run() throws {
        while try step() {}
    }

    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(raw, column)) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    public func optionalInt(_ column: Int32) -> Int? {
        sqlite3_column_type(raw, column) == SQLITE_NULL ? nil : int(column)
    }

    public func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(raw, column) else { return nil }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let pointer = sqlite3_column_blob(raw, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    // MARK: - Checked reads
    //
    // The ledger file is input an attacker may have edited with any SQLite tool, so every value a
    // reader relies on is checked for its storage class and range before use: SQLite would
    // otherwise silently convert text to 0, hand back an integer as its decimal text, or give a
    // seq near Int64.max that traps the first `+ 1`.

    /// An INTEGER value in `range`.
    public func checkedInt(_ column: Int32, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard sqlite3_column_type(raw, column) == SQLITE_INTEGER else { throw badValue(column, name, Message("is not an integer")) }
        let value = int(column)
        guard range.contains(value) else { throw badValue(column, name, Message("{value} is outside {lower_bound}...{upper_bound}", ["value": .text("\(value)"), "lower_bound": .text("\(range.lowerBound)"), "upper_bound": .text("\(range.upperBound)")])) }
        return value
    }

    /// A BLOB value of at most `maxCount` bytes (exactly `count` when given).
    public func checkedBlob(_ column: Int32, _ name: String, count: Int? = nil, maxCount: Int = Int(Int32.max)) throws -> [UInt8] {
        guard sqlite3_column_type(raw, column) == SQLITE_BLOB else { throw badValue(column, name, Message("is not a blob")) }
        let length = Int(sqlite3_column_bytes(raw, column))
        if let count, length != count { throw badValue(column, name, Message("has {length} bytes, expected {count}", ["length": .text("\(length)"), "count": .text("\(count)")])) }
        guard length <= maxCount else { throw badValue(column, name, Message("has {length} bytes, more than {max_count}", ["length": .text("\(length)"), "max_count": .text("\(maxCount)")])) }
        return blob(column)
    }

    /// A TEXT value of at most `maxBytes` UTF-8 bytes.
    public func checkedText(_ column: Int32, _ name: String, maxBytes: Int = 1 << 20) throws -> String {
        guard sqlite3_column_type(raw, column) == SQLITE_TEXT else { throw badValue(column, name, Message("is not text")) }
        guard Int(sqlite3_column_bytes(raw, column)) <= maxBytes else { throw badValue(column, name, Message("is longer than {max_bytes} bytes", ["max_bytes": .text("\(maxBytes)")])) }
        return text(column) ?? ""
    }

    /// A problem found by the checked reads, for callers that report instead of throwing.
    func storedValueProblem(_ body: () throws -> Void) -> Message? {
        do { try body(); return nil } catch { return .describing(error) }
    }

    private func badValue(_ column: Int32, _ name: String, _ problem: Message) -> StoredValueError {
        StoredValueError(path: connection.path, column: name, problem: problem)
    }
}

/// A stored value of the wrong type, length or range: the file was edited outside the ledger.
public struct StoredValueError: LocalizableError {
    public let path: String
    /// `table.column`.
    public let column: String
    public let problem: Message

    public var message: Message {
        Message("{file}: stored {column} {problem}; the file was altered outside agritrace",
                ["file": .text(path), "column": .text(column), "problem": .message(problem)])
    }
}

public enum SQLiteValue {
    case null
    case integer(Int)
    case text(String)
    case blob([UInt8])

    public static func optionalText(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
}

/// A SQLite failure: database file, result code, SQLite's message and the statement.
public struct LedgerDatabaseError: LocalizableError {
    public let path: String
    public let code: Int32
    /// SQLite's own words (`sqlite3_errmsg`).
    public let sqliteMessage: String
    public let sql: String?

    public init(path: String, code: Int32, message: String, sql: String?) {
        self.path = path
        self.code = code
        self.sqliteMessage = message
        self.sql = sql
    }

    /// For logs and tests: SQLite's words and the statement.
    public var description: String {
        var text = "\(path): SQLite error \(code): \(sqliteMessage)"
        if let sql { text += " (in: \(sql.prefix(120)))" }
        return text
    }

    /// For people: what the result code means, in their language; SQLite's own words follow when
    /// they say more than the code's usual text (e.g. which table is missing). The statement is
    /// left out: it means nothing to a clerk, and logs have it (`description`).
    public var message: Message {
        // Found damaged while reading (not at opening): the same verdict as a ledger damaged at opening.
        if isDamage { return LedgerError.damaged(path: path, reason: reason).message }
        return Message("{file}: SQLite error {code}: {reason}", ["file": .text(path), "code": .text(String(code)), "reason": .message(reason)])
    }

    /// The file's pages are not what SQLite wrote (overwritten, cut): its records cannot be trusted.
    public var isDamage: Bool { code & 0xff == SQLITE_CORRUPT }

    /// What went wrong, without the file and code.
    public var reason: Message {
        let meaning: Message? = switch code & 0xff {
        case SQLITE_BUSY: Message("database is locked")
        case SQLITE_LOCKED: Message("database table is locked")
        case SQLITE_NOMEM: Message("out of memory")
        case SQLITE_READONLY: Message("attempt to write a readonly database")
        case SQLITE_IOERR: Message("disk I/O error")
        case SQLITE_CORRUPT: Message("database disk image is malformed")
        case SQLITE_FULL: Message("database or disk is full")
        case SQLITE_CANTOPEN: Message("unable to open database file")
        case SQLITE_CONSTRAINT: Message("constraint failed")
        case SQLITE_NOTADB: Message("file is not a database")
        case SQLITE_PERM: Message("access permission denied")
        default: nil
        }
        guard let meaning else { return .verbatim(sqliteMessage) }
        if meaning.msgid == sqliteMessage || sqliteMessage.isEmpty { return meaning }
        return Message("{meaning} (SQLite: {detail})", ["meaning": .message(meaning), "detail": .text(sqliteMessage)])
    }

    /// SQLITE_BUSY / SQLITE_LOCKED after the busy timeout.
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
}
