/// Why a trace found nothing.
public struct TraceError: Error, CustomStringConvertible, Sendable {
    public let query: String
    public let reason: String
    public var description: String { "no record for \"\(query)\": \(reason)" }
}
