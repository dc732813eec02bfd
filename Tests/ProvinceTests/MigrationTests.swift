import Foundation
import Localization
import Logging
import Province
import Testing
import TestSupport

/// The schema migrations against a real PostgreSQL cluster.
@Suite struct MigrationTests {
    @Test func anEmptyDatabaseIsMigratedOnceToTheLatestVersion() async throws {
        try await ProvinceTest.withDatabase { database in
            for _ in 0..<2 {
                let version = try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { try await $0.schemaVersion() }
                #expect(version == Migrations.all.count)
            }
            // One row per version, and the tables of every migration exist.
            #expect(try database.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")
                .trimmingCharacters(in: .whitespacesAndNewlines) == Migrations.all.map { String($0.version) }.joined(separator: ","))
            let tables = try database.psql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")
            #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines)
                    == "checkpoints,cooperatives,entries,entry_keys,evidence,gradings,lots,origins,schema_migrations,witness_state")
        }
    }

    /// Opening the store logs nothing at warning level or above: postgres-nio warned that
    /// `PostgresClient.run()` had not been called when the first query came before the pool's task
    /// had started, and `agritrace province` printed that at every start.
    @Test func openingTheStoreWarnsOfNothing() async throws {
        let messages = LogCapture()
        let logger = {
            var logger = Logger(label: "province-test") { _ in messages }
            logger.logLevel = .warning
            return logger
        }()
        try await ProvinceTest.withDatabase { database in
            for _ in 0..<5 {
                try await ProvinceStore.open(url: database.url, logger: logger) { _ = try await $0.schemaVersion() }
            }
        }
        #expect(messages.lines.isEmpty, "\(messages.lines)")
    }

    @Test func aDatabaseFromANewerProgramIsRefused() async throws {
        try await ProvinceTest.withDatabase { database in
            try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { _ in }
            _ = try database.psql("INSERT INTO schema_migrations (version, description) VALUES (99, 'from the future')")
            let error = await #expect(throws: ProvinceError.self) { try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { _ in } }
            #expect(error.map { Localizer.english.render($0.message) }
                    == "the database is at schema version 99, newer than this program's \(Migrations.all.count): upgrade agritrace")
            #expect(try error.map { try Localizer.bundled(.vietnamese).render($0.message) }?.contains("99") == true)
        }
    }

    /// A migration that fails part-way leaves nothing of itself: its earlier statements are rolled
    /// back with it and the version stays; fixed, it applies on the next start.
    @Test func aFailingMigrationIsRolledBackWhole() async throws {
        try await ProvinceTest.withDatabase { database in
            let broken = Migrations.all + [Migration(version: Migrations.all.count + 1, description: "broken", sql: [
                "CREATE TABLE half_done (x INT)",
                "ALTER TABLE no_such_table ADD COLUMN y INT",
            ])]
            await #expect(throws: (any Error).self) {
                try await ProvinceStore.open(url: database.url, migrations: broken, logger: ProvinceTest.logger) { _ in }
            }
            #expect(try ProvinceTest.count(database, "SELECT max(version) FROM schema_migrations") == Migrations.all.count)
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'") == 0)
            let fixed = Migrations.all + [Migration(version: Migrations.all.count + 1, description: "fixed", sql: ["CREATE TABLE half_done (x INT)"])]
            let version = try await ProvinceStore.open(url: database.url, migrations: fixed, logger: ProvinceTest.logger) { try await $0.schemaVersion() }
            #expect(version == Migrations.all.count + 1)
        }
    }

    /// A database left at version 1 by an earlier program, with data in it, is brought to the
    /// latest version without losing a row.
    @Test func version1WithDataMigratesToTheLatest() async throws {
        try await ProvinceTest.withDatabase { database in
            let first = Array(Migrations.all.prefix(1))
            try await ProvinceStore.open(url: database.url, migrations: first, logger: ProvinceTest.logger) { _ in }
            _ = try database.psql("""
                INSERT INTO cooperatives (name, base_url, vkey, checkpoint_size) VALUES ('HTX-A', 'http://a.example', 'k', 0);
                INSERT INTO checkpoints (cooperative_id, tree_size, root, note) VALUES (1, 0, '\\x00', 'note');
                """)
            let version = try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { try await $0.schemaVersion() }
            #expect(version == Migrations.all.count)
            #expect(try database.psql("SELECT note || '/' || coalesce(cosigned_note, 'none') FROM checkpoints")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "note/none")
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM cooperatives") == 1)
        }
    }

    /// Aggregators starting on one new database at once: none fails (two `CREATE TABLE IF NOT
    /// EXISTS` of one table at once can), and each migration runs once.
    @Test func concurrentStartsMigrateOnce() async throws {
        try await ProvinceTest.withDatabase { database in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { try await $0.schemaVersion() } }
                }
                for try await version in group { #expect(version == Migrations.all.count) }
            }
            #expect(try ProvinceTest.count(database, "SELECT count(*) FROM schema_migrations") == Migrations.all.count)
        }
    }

    /// A start cancelled at any point (during the migration, or while its pool is still
    /// connecting) ends promptly and leaves a database the next start migrates: the pool is closed
    /// whatever state its connections are in.
    @Test func aCancelledStartEndsPromptly() async throws {
        try await ProvinceTest.withDatabase { database in
            for attempt in 0..<12 {
                _ = try database.psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                let start = Task { try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { _ in } }
                try await Task.sleep(for: .milliseconds(15 * attempt))
                start.cancel()
                let began = ContinuousClock.now
                _ = await start.result
                #expect(ContinuousClock.now - began < .seconds(60), "attempt \(attempt)")
            }
            let version = try await ProvinceStore.open(url: database.url, logger: ProvinceTest.logger) { try await $0.schemaVersion() }
            #expect(version == Migrations.all.count)
        }
    }

    @Test func aBadDatabaseURLIsAUsageError() async throws {
        for url in ["mysql://x@127.0.0.1/db", "postgres://127.0.0.1/db", "postgres://u@127.0.0.1/", "not a url"] {
            await #expect(throws: ProvinceError.self) {
                try await ProvinceStore.open(url: url, logger: ProvinceTest.logger) { _ in }
            }
        }
    }
}


/// A log handler that keeps every message it is given.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var lines: [String] { lock.withLock { kept } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { kept.append("\(event.level): \(event.message)") }
    }
}
