/// Why a label could not be produced for a lot.
public enum LabelError: Error, CustomStringConvertible, Sendable {
    case unknownLot(String)
    case notGraded(String)
    case originNotRegistered(lotCode: String, originCode: String)

    public var description: String {
        switch self {
        case .unknownLot(let code): return "the ledger has no lot \"\(code)\""
        case .notGraded(let code): return "lot \"\(code)\" has no grading entry yet; grade it before printing a label"
        case .originNotRegistered(let code, let origin):
            return "lot \"\(code)\" names origin \(origin), which the ledger does not register; its provenance cannot be proven"
        }
    }
}
