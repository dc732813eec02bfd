import Localization

/// Why a label could not be produced for a lot.
public enum LabelError: LocalizableError, Sendable {
    case unknownLot(String)
    case notGraded(String)
    case originNotRegistered(lotCode: String, originCode: String)

    public var message: Message {
        switch self {
        case .unknownLot(let code): Message("the ledger has no lot \"{lot}\"", ["lot": .text(code)])
        case .notGraded(let code): Message("lot \"{lot}\" has no grading entry yet; grade it before printing a label", ["lot": .text(code)])
        case .originNotRegistered(let code, let origin):
            Message("lot \"{lot}\" names origin {origin}, which the ledger does not register; its provenance cannot be proven",
                    ["lot": .text(code), "origin": .text(origin)])
        }
    }
}
