/// Why a label could not be produced for a lot.
public enum LabelError: Error, CustomStringConvertible, Sendable {
    case unknownLot(String)
    case notGraded(String)
    case noCheckpoint(lotCode: String, seq: Int)

    public var description: String {
        switch self {
        case .unknownLot(let code): return "the ledger has no lot \"\(code)\""
        case .notGraded(let code): return "lot \"\(code)\" has no grading entry yet; grade it before printing a label"
        case .noCheckpoint(let code, let seq):
            return "no checkpoint covers the grading of lot \"\(code)\" (entry #\(seq)); pass --key to sign one, or run `agritrace ledger checkpoint`"
        }
    }
}
