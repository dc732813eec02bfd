import Localization

/// Compares a ledger file's schema (`sqlite_master`) with the one its migrations create: a view
/// standing in for a table (hiding rows), a dropped append-only trigger, a table rebuilt without
/// its STRICT types or constraints all show up here, where reading rows would not notice them.
enum SchemaCheck {
    /// Differences from the schema of `PRAGMA user_version` migrations; empty when identical.
    static func problems(_ db: SQLiteConnection) throws -> [Message] {
        let version = try db.singleInteger("PRAGMA user_version") ?? 0
        guard version >= 1, version <= Migrations.latestVersion else {
            return [Message("schema version {version} is not one this build knows (1...{latest_version})", ["version": .text("\(version)"), "latest_version": .text("\(Migrations.latestVersion)")])]
        }
        let reference = try SQLiteConnection(path: ":memory:", create: true)
        for migration in Migrations.all.prefix(version) { try reference.execute(migration) }
        let expected = try objects(reference), actual = try objects(db)
        var problems = [Message]()
        for (key, sql) in expected.sorted(by: { $0.key < $1.key }) {
            guard let found = actual[key] else { problems.append(Message("{key} is missing", ["key": .text("\(key)")])); continue }
            if found != sql { problems.append(Message("{key} differs from the one agritrace creates: {sql}", ["key": .text("\(key)"), "sql": .text("\(found?.prefix(200) ?? "no SQL")")])) }
        }
        for key in actual.keys.sorted() where expected[key] == nil {
            problems.append(Message("{key} was added outside agritrace: {sql}", ["key": .text("\(key)"), "sql": .text("\(actual[key].flatMap { $0?.prefix(200) } ?? "")")]))
        }
        return problems
    }

    /// `type name` -> SQL text of every schema object (statistics tables that ANALYZE may add are ignored).
    private static func objects(_ db: SQLiteConnection) throws -> [String: String?] {
        let statement = try db.statement("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'")
        defer { statement.reset() }
        var result = [String: String?]()
        while try statement.step() {
            result["\(statement.text(0) ?? "?") \(statement.text(1) ?? "?")"] = .some(statement.text(2))
        }
        return result
    }
}
