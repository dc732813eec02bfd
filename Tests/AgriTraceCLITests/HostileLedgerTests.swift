import Foundation
import LedgerStore
import MerkleLog
import Testing
import TestSupport

/// The ledger file is hostile input for every command that reads it. Each column of each table
/// (found from the file's own schema, so new tables are covered too) is set to extreme values of
/// its type and to values of the wrong type, through the sqlite3 shell with the append-only
/// triggers dropped; then the inspector's commands run on it. None may crash or hang, and
/// `ledger verify` must not say INTACT unless the column carries nothing signed.
@Suite struct HostileLedgerTests {
    /// One edit of one stored value.
    struct Corruption: CustomStringConvertible, Sendable {
        let table: String
        let column: String
        /// SQL literal written into the column.
        let value: String
        /// The value does not fit the column's STRICT type or NOT NULL constraint, so the table is
        /// first rebuilt without them (a schema change `verify` must notice as well).
        let rebuild: Bool
        /// The edit hits the table's first row instead of its last.
        var firstRow = false
        var description: String {
            "\(table).\(column) = \(value.prefix(40))\(firstRow ? " in the first row" : "")\(rebuild ? " (table rebuilt without constraints)" : "")"
        }
    }

    static let int64Max = "9223372036854775807"
    static let hugeText = "printf('%.*c', 2000000, 'x')"

    /// Extreme values of the column's own type, then values of other types.
    static func values(declaredType: String, notNull: Bool, primaryKey: Bool) -> [(String, rebuild: Bool)] {
        let integers = [int64Max, "-9223372036854775808", "-1", "0", "4611686018427387904"]
        let blobs = ["zeroblob(2000000)", "X''", "X'00'", "randomblob(33)"]
        let texts = ["''", hugeText, "'x'", "char(0)"]
        let own: [String], foreign: [String]
        switch declaredType.uppercased() {
        case "INTEGER": own = integers; foreign = ["'12'", "'text'", "X'0102'", "1.5"]
        case "BLOB": own = blobs; foreign = [int64Max, "'text'"]
        default: own = texts; foreign = [int64Max, "zeroblob(40)"]
        }
        // A NULL primary key (a rowid alias, or NOT NULL) only fits a rebuilt table.
        return own.map { ($0, false) } + foreign.map { ($0, true) } + [("NULL", notNull || primaryKey)]
    }

    /// Every column of every ledger table, with its edits.
    static func corruptions(of db: String) throws -> [Corruption] {
        var result = [Corruption]()
        for table in try SQLiteShell.query(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") {
            // table_info: cid|name|type|notnull|dflt_value|pk
            for row in try SQLiteShell.query(db, "PRAGMA table_info(\(table))") {
                let fields = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                let values = values(declaredType: fields[2], notNull: fields[3] == "1", primaryKey: fields[5] != "0")
                for (value, rebuild) in values {
                    result.append(Corruption(table: table, column: fields[1], value: value, rebuild: rebuild))
                }
                // The most extreme value of the column's type in the first row too (reorders rows, or
                // breaks everything after it).
                result.append(Corruption(table: table, column: fields[1], value: values[0].0, rebuild: false, firstRow: true))
            }
        }
        return result
    }

    /// The table's last (or first) row by primary key, as an SQL condition.
    static func lastRow(of table: String, db: String, first: Bool = false) throws -> (condition: String, keyList: String) {
        let keys = try SQLiteShell.query(db, "SELECT name FROM pragma_table_info('\(table)') WHERE pk > 0 ORDER BY pk")
        let keyList = keys.joined(separator: ", ")
        let order = keys.map { "\($0) \(first ? "ASC" : "DESC")" }.joined(separator: ", ")
        return ("(\(keyList)) = (SELECT \(keyList) FROM \(table) ORDER BY \(order) LIMIT 1)", keyList)
    }

    /// Whether the value is already there (then the edit changes nothing, unless it rebuilds the table).
    static func changesNothing(_ corruption: Corruption, db: String) throws -> Bool {
        guard !corruption.rebuild else { return false }
        let row = try lastRow(of: corruption.table, db: db, first: corruption.firstRow).condition
        return try SQLiteShell.query(db, "SELECT COUNT(*) FROM \(corruption.table) WHERE \(row) AND \(corruption.column) IS \(corruption.value)") == ["1"]
    }

    /// SQL that applies `corruption` to the table's last row (by primary key) and then restores the
    /// dropped triggers exactly, so only the data differs (unless the table had to be rebuilt).
    static func sql(for corruption: Corruption, db: String) throws -> String {
        let table = corruption.table
        let (lastRow, keyList) = try lastRow(of: table, db: db, first: corruption.firstRow)
        let triggers = try SQLiteShell.query(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
        // A rebuilt table loses its own triggers; the others' are put back either way.
        let kept = corruption.rebuild ? "AND tbl_name != '\(table)'" : ""
        let triggerSQL = try SQLiteShell.query(db, "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger' \(kept)").joined(separator: "\n")
        var sql = triggers.map { "DROP TRIGGER \($0);" }.joined(separator: "\n") + "\nPRAGMA ignore_check_constraints = ON;\n"
        if corruption.rebuild {
            // Select the row first: a rebuilt table has no primary key to find it by.
            sql += """
                CREATE TABLE hostile_copy AS SELECT * FROM \(table);
                CREATE TABLE hostile_target AS SELECT \(keyList) FROM \(table) WHERE \(lastRow);
                DROP TABLE \(table);
                ALTER TABLE hostile_copy RENAME TO \(table);
                UPDATE \(table) SET \(corruption.column) = \(corruption.value) WHERE (\(keyList)) IN (SELECT * FROM hostile_target);
                DROP TABLE hostile_target;

                """
        } else {
            sql += "UPDATE OR REPLACE \(table) SET \(corruption.column) = \(corruption.value) WHERE \(lastRow);\n"
        }
        return sql + triggerSQL + "\n"
    }

    /// Columns that hold nothing signed or hashed: changing them alters no verifiable fact.
    /// `statement_runs` only records which tree sizes' statements were signed (a wrong one makes
    /// lots go without a bundle or be signed again; the statements themselves are checked).
    static let unsignedColumns: Set<String> = ["checkpoints.id", "statement_runs.tree_size"]

    @Test func everyColumnAtExtremeValuesNeverCrashesOrHangs() throws {
        let directory = try TemporaryDirectory(prefix: "hostile-ledger")
        defer { directory.remove() }
        let base = directory.url.appendingPathComponent("base.db").path
        let (_, signer) = try SampleLedger.build(at: base)
        let vkey = directory.url.appendingPathComponent("coop.vkey").path
        try SigningKeyFile.writeVerifier(signer.verifier, to: vkey)
        let key = directory.url.appendingPathComponent("coop.key").path
        try SigningKeyFile.write(signer, to: key)
        let lot = "DT-LV-261103-01"
        // The lots' signed statements, as a cooperative's checkpoint stores them, so their table has rows to corrupt.
        let checkpointed = try AgriTraceBinary.run(["ledger", "checkpoint", "--ledger", base, "--key", key], timeout: 120)
        #expect(checkpointed.status == 0, "\(checkpointed.stderr)")
        #expect(try SQLiteShell.query(base, "SELECT COUNT(*) FROM statements") != ["0"])

        let cases = try Self.corruptions(of: base)
        #expect(cases.count > 60, "found \(cases.count) cases; the schema scan is broken")
        let problems = ProblemList()
        // Two cases at a time: each runs five commands, and the machine has two cores.
        let next = ProblemList.Counter()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let index = next.take(below: cases.count) {
                let corruption = cases[index]
                let dir = directory.url.appendingPathComponent("case-\(index)")
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    defer { try? FileManager.default.removeItem(at: dir) }
                    let db = dir.appendingPathComponent("ledger.db").path
                    try FileManager.default.copyItem(atPath: base, toPath: db)
                    let unchanged = try Self.changesNothing(corruption, db: db)
                    try SQLiteShell.run(db, try Self.sql(for: corruption, db: db))
                    let commands: [[String]] = [
                        ["ledger", "verify", "--ledger", db, "--vkey", vkey],
                        ["audit", "--ledger", db, "--vkey", vkey, "--out", dir.appendingPathComponent("report.html").path],
                        ["label", lot, "--ledger", db, "--key", key, "--out", dir.appendingPathComponent("labels").path],
                        ["ledger", "prove", "--ledger", db, "--entry", "1", "--out", dir.appendingPathComponent("1.proof").path],
                        ["trace", lot, "--ledger", db],
                        ["export", "epcis", "--ledger", db, "--out", dir.appendingPathComponent("events.jsonld").path],
                    ]
                    for arguments in commands {
                        let result = try AgriTraceBinary.run(arguments, timeout: 60)
                        let name = arguments.prefix(2).joined(separator: " ")
                        if result.crashedOrHung {
                            let reason = result.stderr.split(separator: "\n").first { $0.contains("error") } ?? ""
                            problems.add("\(corruption): `\(name)` \(result.timedOut ? "hung" : "crashed with signal \(result.status)") \(reason.prefix(200))")
                        } else if result.status != 0, result.stderr.isEmpty, !result.stdout.contains("TAMPERED"), !result.stdout.contains("FAILED") {
                            problems.add("\(corruption): `\(name)` exit \(result.status) without saying why")
                        } else if arguments[1] == "verify", result.status == 0, !unchanged,
                                  !Self.unsignedColumns.contains("\(corruption.table).\(corruption.column)") {
                            problems.add("\(corruption): `ledger verify` says INTACT")
                        }
                    }
                } catch {
                    problems.add("\(corruption): \(error)")
                }
            }
        }
        #expect(problems.all.isEmpty, "\(problems.all.count) problems:\n\(problems.all.prefix(40).joined(separator: "\n"))")
    }
}

/// Findings collected from several threads, checked once at the end.
final class ProblemList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }

    /// Hands out 0, 1, 2, ... to worker threads.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func take(below limit: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
