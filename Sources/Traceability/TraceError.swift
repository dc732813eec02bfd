import Localization

/// A query that finds nothing in the ledger; the reason says which part did not match.
public struct TraceError: LocalizableError, Sendable {
    public let query: String
    public let reason: Message
    public var message: Message { Message("no record for \"{query}\": {reason}", ["query": .text(query), "reason": .message(reason)]) }
}
