import LedgerStore
import Localization
import Provenance

/// A person's decision about a lot's grade, recorded as a signed `correction` of the lot's latest
/// grading entry that sets its `lot_grade` (which releases a hold: `GradingRecord.isHeld`).
/// `agritrace review` lists held lots and records decisions through this; the rules live here.
public enum LotReview {
    public enum Decision: Sendable, Equatable {
        /// Confirm the grade the grading suggested for a held lot.
        case accept
        /// Set this grade (one of the grading policy's grades), for a held lot or to re-grade one.
        case grade(String)
    }

    /// What to do about a decision.
    public enum Outcome: Sendable {
        /// Append this correction, on condition that the lot gained no entry since the state it
        /// was decided on (`Ledger.append(_:signer:idempotencyKey:decidedOn:recordedBy:)`).
        case record(CorrectionRecord, decidedOn: DecisionBasis)
        /// The lot already stands as decided: nothing to record (re-running the same decision).
        case alreadyDecided
    }

    /// The reason recorded when `--accept` is given without one: ledger data, so in English like
    /// every field name and code of an entry (readers show the reason as recorded).
    public static let acceptedReason = "reviewed: the suggested grade is confirmed"

    /// Held lots in ledger order; lots whose entries do not form one record are left to
    /// `ledger verify`.
    public static func heldLots(in snapshot: LedgerSnapshot) -> [LotState] {
        snapshot.lotStates().compactMap { try? $0.state.get() }.filter(\.isHeld)
    }

    /// The grades a reviewer may choose for the lot: those of the policy that graded it (its
    /// grading entry counts photos for every grade of the policy), best first.
    public static func grades(of state: LotState) -> [String] {
        guard let grading = state.current?.grading else { return [] }
        return GradePalette.ordered(grading.distribution.keys)
    }

    /// The correction recording `decision` for the lot in `state`, or `.alreadyDecided` when the
    /// lot already stands so (re-running a decision records nothing). `reason` is required to
    /// set a grade; `reviewer` names the person, always: a signed decision nobody answers for
    /// would show buyers and inspectors a grade without a name. `--accept` needs a held lot;
    /// `--grade` may also re-grade a lot that is not held (an inspector's second look).
    ///
    /// `seenUpTo` is the lot's latest entry the person was shown (`latestSeq(of:)` when the page
    /// was drawn): a decision made on an older view is refused when recorded, not applied to a
    /// lot someone else has decided meanwhile. Without it, the state read now is the view.
    public static func outcome(for state: LotState, decision: Decision, reason: String?,
                               reviewer: String, seenUpTo: Int? = nil) throws(LotReviewError) -> Outcome {
        let code = state.lot.lotCode
        guard let current = state.current else { throw .notGraded(code) }
        try check(reviewer, .reviewer)
        if let reason { try check(reason, .reason) }
        let grade: String
        switch decision {
        case .accept:
            let suggested = current.grading.lotGrade
            guard state.isHeld else {
                if current.decision != nil, current.grade == suggested { return .alreadyDecided }
                throw .notHeld(lot: code, status: state)
            }
            guard !GradingRecord.holdGradeNames.contains(suggested.lowercased()), grades(of: state).contains(suggested) else {
                throw .nothingToAccept(lot: code, suggested: suggested)
            }
            grade = suggested
        case .grade(let chosen):
            let allowed = grades(of: state)
            guard allowed.contains(chosen) else { throw .unknownGrade(chosen, allowed: allowed) }
            guard reason != nil else { throw .reasonRequired }
            if !state.isHeld, current.grade == chosen { return .alreadyDecided }
            grade = chosen
        }
        let entry = current.gradingEntry
        return .record(CorrectionRecord(corrects: entry.seq, correctsLeafHash: entry.leafHash.hex,
                                        reason: reason ?? acceptedReason, reviewer: reviewer,
                                        lotCode: current.grading.lotCode, changes: ["lot_grade": .string(grade)]),
                       decidedOn: DecisionBasis(key: IndexKey(IndexKeyName.lotCode, code),
                                                latestSeq: min(seenUpTo ?? latestSeq(of: state), latestSeq(of: state))))
    }

    /// The lot's latest entry: a decision made on this view is stale once any grading or
    /// correction of the lot follows it (another reviewer, a re-grade).
    public static func latestSeq(of state: LotState) -> Int {
        ([state.lotEntry.seq] + state.gradings.map(\.seq) + state.corrections.map(\.seq)).max() ?? state.lotEntry.seq
    }

    /// What `--accept`/`--grade` say when the lot already stands as decided.
    public static func alreadyDecidedText(_ state: LotState, _ p: Presentation) -> String {
        p(Message("lot {lot} already stands so: {status}; nothing recorded", ["lot": .text(state.lot.lotCode), "status": .text(state.statusText(p))]))
    }

    /// The entry rules' text check (`EntryValidator`), said before anything is signed.
    private static func check(_ text: String, _ field: LotReviewInputs.Input) throws(LotReviewError) {
        if Identifiers.isBlank(text) { throw .emptyText(field) }
        if let problem = Identifiers.textProblem(text) { throw .badText(field, problem) }
    }
}

/// How a front end names the inputs of a review in its refusals: the command line names its
/// options, the console its form's fields. The rules and the rest of their wording stay in
/// `LotReview`/`LotReviewError`.
public struct LotReviewInputs: Sendable {
    public enum Input: Sendable, Equatable { case reason, reviewer }
    /// The reason's input, as a noun phrase ("--reason").
    public let reason: Message
    /// The reviewer's name's input ("--reviewer").
    public let reviewer: Message
    /// The input that sets a grade ("--grade").
    public let grade: Message
    /// What to do to set a grade with a reason, an imperative ("give --grade G --reason TEXT").
    public let setGrade: Message

    public init(reason: Message, reviewer: Message, grade: Message, setGrade: Message) {
        self.reason = reason
        self.reviewer = reviewer
        self.grade = grade
        self.setGrade = setGrade
    }

    public subscript(input: Input) -> Message {
        switch input {
        case .reason: return reason
        case .reviewer: return reviewer
        }
    }

    /// `agritrace review`'s options.
    public static let commandLine = LotReviewInputs(reason: .verbatim("--reason"), reviewer: .verbatim("--reviewer"),
                                                    grade: .verbatim("--grade"), setGrade: Message("give --grade G --reason TEXT"))
}

public enum LotReviewError: LocalizableError {
    case notGraded(String)
    case notHeld(lot: String, status: LotState)
    case nothingToAccept(lot: String, suggested: String)
    case unknownGrade(String, allowed: [String])
    case reasonRequired
    case emptyText(LotReviewInputs.Input)
    case badText(LotReviewInputs.Input, Message)

    public var message: Message { message(.english) }

    /// The text with grade names and the lot's state in `p`'s language, naming the inputs as
    /// `inputs` does (the command line's options unless told).
    public func message(_ p: Presentation, inputs: LotReviewInputs = .commandLine) -> Message {
        switch self {
        case .notGraded(let lot): return Message("lot {lot} has no grading to review", ["lot": .text(lot)])
        case .notHeld(let lot, let state):
            return Message("lot {lot} is not held for review ({status}); to change its grade, {how}",
                           ["lot": .text(lot), "status": .text(state.statusText(p)), "how": .message(inputs.setGrade)])
        case .nothingToAccept(let lot, let suggested):
            return Message("lot {lot}: the grading suggested no sale grade (\"{grade}\") to accept; {how}",
                           ["lot": .text(lot), "grade": .text(p.grade(suggested)), "how": .message(inputs.setGrade)])
        case .unknownGrade(let grade, let allowed):
            return Message("grade '{grade}' is not one of the grading policy's grades: {grades}",
                           ["grade": .text(EntryValidator.printable(grade)), "grades": .text(allowed.joined(separator: ", "))])
        case .reasonRequired:
            return Message("{grade} needs {reason}: say why the lot gets this grade", ["grade": .message(inputs.grade), "reason": .message(inputs.reason)])
        case .emptyText(let input): return Message("{input} is empty", ["input": .message(inputs[input])])
        case .badText(let input, let problem): return Message("{input}: {problem}", ["input": .message(inputs[input]), "problem": .message(problem)])
        }
    }
}
