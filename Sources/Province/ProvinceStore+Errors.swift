import Localization
import Logging
import PostgresNIO

extension ProvinceStore {
    /// `client.withTransaction`, throwing the closure's own error rather than postgres-nio's
    /// wrapper (so a `ProvinceError` reaches the caller as itself).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        // After it ends, whether or not it committed: a commit whose answer was lost still wrote.
        defer { writes.advance() }
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    /// One line for a log or the status endpoint. postgres-nio's errors describe themselves
    /// generically on purpose (no query text); the server's message and SQLSTATE say enough.
    static func describe(_ error: any Error, in localizer: Localizer = .english) -> String {
        localizer.render(message(of: error))
    }

    /// The same as a message, for words rendered later in the reader's language (PostgreSQL's own
    /// words are the server's, shown as they are).
    static func message(of error: any Error) -> Message {
        switch error {
        case let error as any LocalizableError:
            return error.message
        case let error as PSQLError:
            if let message = error.serverInfo?[.message] {
                return .verbatim("PostgreSQL: \(message) (SQLSTATE \(error.serverInfo?[.sqlState] ?? "?"))")
            }
            return .verbatim("PostgreSQL: \(error.code)")
        case let error as PostgresTransactionError:
            return message(of: error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        // The pool's own error type lives in an underscored module; its cases are the pool's
        // (no connection could be made, the circuit breaker is open), not words for a reader.
        case _ where String(reflecting: type(of: error)).hasSuffix(".ConnectionPoolError"):
            return Message("the database cannot be reached (no connection could be made)")
        default:
            return .verbatim("\(error)")
        }
    }
}
