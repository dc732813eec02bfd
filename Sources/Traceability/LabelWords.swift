import Localization

/// The words a label prints around the lot's facts, in the localizer's language (catalogue
/// `Localization/Resources/vi.po`). Every word on a label comes from here.
public struct LabelWords: Sendable {
    public let localizer: Localizer
    /// Grade code → its name in `localizer`'s language (the grading policy's `grade_names`);
    /// a code without a name is printed as it is.
    public let gradeNames: [String: String]

    /// The language and grade names of `presentation` (build it with the grading policy's
    /// names, `Presentation(localizer:policyGradeNames:)`, or a label prints grade codes).
    public init(_ presentation: Presentation) {
        localizer = presentation.localizer
        gradeNames = presentation.gradeNames
    }

    public static let english = LabelWords(.english)

    func farm(_ name: String) -> String { localizer(Message("Farm: {name}", context: "label", ["name": .text(name)])) }
    func crop(_ crop: String) -> String { localizer(Message("Crop: {crop}", context: "label", ["crop": .text(crop)])) }
    func origin(_ code: String) -> String { localizer(Message("Origin: {code}", context: "label", ["code": .text(code)])) }
    func lot(_ code: String) -> String { localizer(Message("Lot: {code}", context: "label", ["code": .text(code)])) }
    /// `day` as recorded (`YYYY-MM-DD`): printed the language's way (`03/11/2026` in Vietnamese).
    func harvest(_ day: String) -> String { localizer(Message("Harvest: {day}", context: "label", ["day": .day(day)])) }
    func grade(_ grade: String?) -> String {
        let name = grade.map { Message.verbatim(gradeNames[$0] ?? $0) } ?? Message("not graded", context: "label")
        return localizer(Message("Grade: {grade}", context: "label", ["grade": .message(name)]))
    }
    /// Printed instead of the grade while the lot is held for review.
    public var held: String { localizer(Message("HELD FOR REVIEW", context: "label")) }
    var scanToVerify: String { localizer(Message("Scan to verify", context: "label")) }
}
