/// What a trace query was understood as.
public enum TraceQuery: Equatable, Sendable {
    case lot(String)
    case identifier(LotIdentifier)
    case origin(String)
}
