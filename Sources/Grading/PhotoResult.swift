import LedgerStore
import Localization

/// What happened to one photo of an upload: one line of the results file.
public struct PhotoResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case graded(classIndex: Int, label: String, probabilities: [Float], grade: String, needsReview: Bool)
        /// `reason` in English goes into the results file and the ledger; people see it in their language.
        case unreadable(reason: Message)
        /// Its lot was recorded by an earlier run of the same upload; not graded again.
        case alreadyRecorded
    }

    public let file: String
    public let lot: String
    /// Lowercase hex SHA-256 of the photo's bytes (of zero bytes when they could not be read).
    public let sha256: String
    public let outcome: Outcome

    /// The JSON-lines form: `file`, `sha256`, `lot`, then `class`, `label`, `probabilities`,
    /// `grade`, `needs_review` for a graded photo, `error` for an unreadable one, or
    /// `status: "already-recorded"`.
    public var jsonLine: String {
        var fields: [(String, OrderedJSON)] = [("file", .string(file)), ("sha256", .string(sha256)), ("lot", .string(lot))]
        switch outcome {
        case let .graded(classIndex, label, probabilities, grade, needsReview):
            fields += [("class", .int(classIndex)), ("label", .string(label)),
                       ("probabilities", .array(probabilities.map(OrderedJSON.number))),
                       ("grade", .string(grade)), ("needs_review", .bool(needsReview))]
        case .unreadable(let reason):
            fields += [("error", .string(reason.description))]
        case .alreadyRecorded:
            fields += [("status", .string("already-recorded"))]
        }
        return OrderedJSON.object(fields).renderedCompact()
    }
}
