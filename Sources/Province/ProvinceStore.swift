import Foundation
import Localization
import Logging
import NIOCore
import PostgresNIO

/// The aggregator's PostgreSQL database, through postgres-nio's connection pool. `open` runs
/// the pool for the duration of a closure and migrates the schema first.
public final class ProvinceStore: Sendable {
    public let client: PostgresClient
    let logger: Logger
    /// Moved by every transaction and cosignature this process commits (`AnswerCache`).
    let writes = WriteGeneration()
    let lotLookups = LotLookups()

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`), migrates the schema
    /// to `migrations`' last version and runs `body`; the pool stops when `body` returns.
    public static func open<T: Sendable>(url: String, migrations: [Migration] = Migrations.all, logger: Logger = Logger(label: "province"),
                                         _ body: @Sendable (ProvinceStore) async throws -> T) async throws -> T {
        let configuration = try configuration(url: url)
        try await firstContact(configuration, url: url, logger: logger)
        // The pool logs every failed connection attempt at info level; rounds report failures themselves.
        var poolLogger = logger
        poolLogger.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        // The first query waits until the pool's task is about to enter `run()`: a lease asked
        // before `run()` has begun is served, but postgres-nio logs a warning about it, which
        // `agritrace province` printed at every start.
        let (starting, started) = AsyncStream.makeStream(of: Never.self)
        let pool = Task {
            started.finish()
            await client.run()
        }
        for await _ in starting {}
        let result: Result<T, any Error>
        do {
            let store = ProvinceStore(client: client, logger: logger)
            try await store.migrate(migrations)
            result = .success(try await body(store))
        } catch {
            result = .failure(error)
        }
        // Cancelling `run()` closes every connection; it returns once each one has. A connection
        // that never reports its close would hold the program at its end, so the wait is bounded.
        pool.cancel()
        if await !Deadline.wait(for: pool, atMost: shutdownLimit) {
            logger.warning("the database connection pool did not stop within \(shutdownLimit); leaving it")
        }
        return try result.get()
    }

    /// One connection before the pool: a database that cannot be used (refused, unknown host, no
    /// such role or database, not PostgreSQL) is reported at once with the server's or the network's
    /// reason, instead of after the pool has retried for a minute.
    static func firstContact(_ configuration: PostgresClient.Configuration, url: String, logger: Logger) async throws {
        guard case .some(let host) = configuration.host else { return }
        let single = PostgresConnection.Configuration(host: host, port: configuration.port ?? 5432, username: configuration.username,
                                                      password: configuration.password, database: configuration.database, tls: .disable)
        var quietLogger = logger
        quietLogger.logLevel = .error
        let quiet = quietLogger, shown = redacted(url)
        // Only a refusal is final: a server that is merely slow to answer (a loaded machine, a
        // cluster still starting) is left to the pool and its own retries, as before.
        do {
            try await Deadline.run(atMost: firstContactLimit, SlowFirstContact()) {
                let connection: PostgresConnection
                do {
                    connection = try await PostgresConnection.connect(configuration: single, id: 0, logger: quiet)
                } catch {
                    throw ProvinceError.unavailable(Message("{url}: {reason}", context: "database", ["url": .text(shown), "reason": .message(connectionFailure(error))]))
                }
                try? await connection.close()
            }
        } catch is SlowFirstContact {
            logger.info("\(shown) has not answered within \(firstContactLimit); waiting for it through the connection pool")
        }
    }

    private struct SlowFirstContact: Error {}

    static let firstContactLimit: Duration = .seconds(20)

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// Why a connection could not be made: the server's own message, or the network's.
    static func connectionFailure(_ error: any Error) -> Message {
        if let error = error as? PSQLError, error.serverInfo?[.message] == nil, let underlying = error.underlying {
            return Message("cannot connect: {reason}", ["reason": .text("\(underlying)")])
        }
        return message(of: error)
    }

    /// How long `open` waits for the pool to close its connections after `body`.
    static let shutdownLimit: Duration = .seconds(10)

    static func configuration(url text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), let scheme = url.scheme, scheme == "postgres" || scheme == "postgresql",
              let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty else {
            throw ProvinceError.usage(Message("database URL '{url}' must be postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE", ["url": .text(text)]))
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !database.isEmpty, !database.contains("/") else {
            throw ProvinceError.usage(Message("database URL '{url}' names no database (…/DATABASE)", ["url": .text(text)]))
        }
        var configuration = PostgresClient.Configuration(host: host, port: url.port ?? 5432, username: user, password: url.password,
                                                         database: database, tls: .disable)
        // A restarted or unreachable server must not hang an ingest round for long.
        configuration.options.connectTimeout = .seconds(5)
        // Bounds on the server's side: a statement (a lock wait included) that runs longer fails,
        // and a transaction its client abandoned mid-way (a crashed or stuck aggregator) is ended,
        // releasing its locks, so a stuck round fails and is retried instead of waiting for ever.
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(statementTimeoutSeconds)s"),
            ("idle_in_transaction_session_timeout", "\(idleInTransactionTimeoutSeconds)s"),
        ]
        return configuration
    }

    static let statementTimeoutSeconds = 120
    static let idleInTransactionTimeoutSeconds = 300

    /// Fails unless the database answers `SELECT 1` within `timeout`. While PostgreSQL is down the
    /// pool holds each request until its circuit breaker opens (about a minute); a round that
    /// asks this first fails in seconds instead.
    /// The bound is generous for a loaded machine (a 5 s bound failed healthy rounds when the
    /// process's threads were busy) and still far below the pool's own minute of retries.
    public func ping(timeout: Duration = .seconds(15)) async throws {
        let client = self.client, logger = self.logger
        // Deadline.run gives up on the query (and cancels it) rather than waiting for it: a query
        // already sent to a server that stopped answering does not end when cancelled.
        try await Deadline.run(atMost: timeout, ProvinceError.unavailable(Message("the database did not answer within {seconds} s",
                                                                                   ["seconds": .integer(Int(timeout.components.seconds))]))) {
            let rows = try await client.query("SELECT 1", logger: logger)
            for try await _ in rows.decode(Int.self) {}
        }
    }

    static func newerSchema(_ current: Int, _ known: Int) -> Message {
        Message("the database is at schema version {current}, newer than this program's {known}: upgrade agritrace",
                ["current": .integer(current), "known": .integer(known)])
    }

    /// The advisory lock key migrators take.
    static let migrationLock = 4101

    /// The schema version this database is at (0: empty).
    public func schemaVersion() async throws -> Int {
        let rows = try await client.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger)
        for try await version in rows.decode(Int.self) { return version }
        return 0
    }

    /// Applies the migrations the database has not had, each in its own transaction; concurrent
    /// aggregators on one database wait for each other (an advisory lock, taken before anything is
    /// created: two concurrent `CREATE TABLE IF NOT EXISTS` of one table can both find it missing,
    /// and the second then fails), so each runs once.
    public func migrate(_ migrations: [Migration]) async throws {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version }, "migrations are numbered 1, 2, … in order")
        let logger = self.logger
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INT PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
        }
        let known = migrations.last?.version ?? 0
        for migration in migrations {
            let applied: Bool = try await transaction { connection in
                // Serialises migrators; released at commit or rollback.
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
                let rows = try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger)
                var current = 0
                for try await version in rows.decode(Int.self) { current = version }
                guard current <= known else {
                    throw ProvinceError.schema(Self.newerSchema(current, known))
                }
                guard current < migration.version else { return false }
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, description) VALUES (\(migration.version), \(migration.description))",
                    logger: logger)
                return true
            }
            if applied { logger.info("database migrated to schema version \(migration.version): \(migration.description)") }
        }
        let current = try await schemaVersion()
        guard current <= known else {
            throw ProvinceError.schema(Self.newerSchema(current, known))
        }
    }
}

public enum ProvinceError: LocalizableError, Equatable {
    case usage(Message)
    case schema(Message)
    case unavailable(Message)

    public var message: Message {
        switch self {
        case .usage(let message), .schema(let message), .unavailable(let message): return message
        }
    }
}
