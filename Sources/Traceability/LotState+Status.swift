extension LotState {
    /// The lot's state now in one line, for `trace`, the audit report and `review`: held (why, and
    /// what the grading suggested), a grade a reviewer decided (who, why, when, and the original
    /// grading), or the grading's grade.
    public var statusText: String {
        guard let current else { return "not graded" }
        let grading = current.grading
        let graded = "grading #\(current.gradingEntry.seq) on \(current.gradingEntry.recordedAt)"
        if isHeld {
            let why = grading.holdExplanation.map { ": \($0)" } ?? ""
            return "HELD FOR REVIEW, not graded\(why); \(graded) suggested \(grading.lotGrade)"
        }
        if let decision = current.decision {
            let original = grading.held ? "\(grading.lotGrade), held for review" : grading.lotGrade
            return "grade \(current.grade), decided by review: correction #\(decision.entry.seq) on \(decision.entry.recordedAt)"
                + "\(decision.record.attributedReason) (\(graded) said \(original))"
        }
        return "grade \(current.grade) (\(graded))"
    }
}
