import Foundation

/// Edits a database with Debian's `sqlite3` shell, as an attacker with file access would.
public enum SQLiteShell {
    /// Runs `sql` on `path`; throws with sqlite3's message when it fails (a missing sqlite3 fails too).
    public static func run(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-bail", path]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, message.isEmpty else { throw Failure(sql: sql, message: message) }
    }

    /// Rows of a query, one string per row, columns separated by `|`.
    public static func query(_ path: String, _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-bail", path, sql]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(sql: sql, message: message) }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Drops every trigger (the append-only guards), then runs `sql`: an attacker with write access.
    public static func tamper(_ path: String, _ sql: String) throws {
        let drops = try query(path, "SELECT name FROM sqlite_master WHERE type = 'trigger'").map { "DROP TRIGGER \"\($0)\";" }
        try run(path, (drops + [sql]).joined(separator: "\n"))
    }

    /// Drops every trigger, runs `sql`, and puts the same triggers back exactly, so only the data
    /// differs from what agritrace wrote (the schema check in `verify` then sees nothing).
    public static func editKeepingTriggers(_ path: String, _ sql: String) throws {
        let names = try query(path, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
        let restore = try query(path, "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger'")
        try run(path, (names.map { "DROP TRIGGER \"\($0)\";" } + [sql] + restore).joined(separator: "\n"))
    }

    public struct Failure: Error, CustomStringConvertible {
        public let sql: String
        public let message: String
        public var description: String { "sqlite3 failed: \(message) (in: \(sql.prefix(300)))" }
    }
}
