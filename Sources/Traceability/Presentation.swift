import Localization

/// How ledger facts are shown to a person: the language, and the grading policy's names for
/// grades (entries keep the grade codes, which are language-neutral).
public struct Presentation: Sendable {
    public var localizer: Localizer
    /// Grade code → name in `localizer`'s language; a code without a name is shown as it is.
    public var gradeNames: [String: String]

    public init(localizer: Localizer, gradeNames: [String: String] = [:]) {
        self.localizer = localizer
        self.gradeNames = gradeNames
    }

    /// `localizer`'s language with a grading policy's names for grades (its `grade_names`:
    /// grade → language tag → name), those of that language taken. Every front end that shows
    /// grades to people (commands, labels, the console) goes through here.
    public init(localizer: Localizer, policyGradeNames: [String: [String: String]]) {
        let language = localizer.language.tag
        self.init(localizer: localizer, gradeNames: policyGradeNames.compactMapValues { $0[language] })
    }

    /// English with grade codes: what machine outputs that carry a summary (trace --json) use.
    public static let english = Presentation(localizer: .english)

    public func grade(_ code: String) -> String {
        if let name = gradeNames[code] { return name }
        // The audit report's pseudo-grades for lots without a grade to count.
        switch code {
        case AuditReport.heldGrade: return localizer.render(Message("Held for review", context: "grade"))
        case AuditReport.notGraded: return localizer.render(Message("Not graded", context: "grade"))
        default: return code
        }
    }

    public func callAsFunction(_ message: Message) -> String { localizer.render(message) }

    public func describe(_ error: any Error) -> String { localizer.describe(error) }
}
