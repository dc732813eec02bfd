import LedgerStore

extension GradingRecord {
    /// Lot grade names that themselves mean "held" (a policy may name its hold grade so).
    public static let holdGradeNames: Set<String> = ["review", "needs review", "needs_review", "held", "hold"]

    /// The lot grade after `corrections` of this grading (oldest first): the last one that sets
    /// `lot_grade` wins.
    public func lotGrade(correctedBy corrections: [CorrectionRecord]) -> String {
        corrections.reduce(lotGrade) { grade, correction in correction.changes["lot_grade"]?.stringValue ?? grade }
    }

    /// Whether the lot is held for review after `corrections` of this grading: the one rule the
    /// label, verify-label, trace, audit and EPCIS export use. The policy's recorded hold stands
    /// until a correction sets `lot_grade` (a person reviewed the lot and decided its grade);
    /// a grade named like a hold ("review", "held", …) holds the lot whatever set it.
    public func isHeld(correctedBy corrections: [CorrectionRecord]) -> Bool {
        if Self.holdGradeNames.contains(lotGrade(correctedBy: corrections).lowercased()) { return true }
        return held && !corrections.contains { $0.changes["lot_grade"]?.stringValue != nil }
    }
}
