import Localization

extension LotState {
    /// The lot's state now in one line, for `trace`, the audit report and `review`: held (why, and
    /// what the grading suggested), a grade a reviewer decided (who, why, when, and the original
    /// grading), or the grading's grade.
    public func statusText(_ p: Presentation = .english) -> String {
        guard let current else { return p(Message("not graded")) }
        let grading = current.grading
        let graded = p(Message("grading #{seq} on {time}", ["seq": .text(String(current.gradingEntry.seq)),
                                                            "time": .timestamp(current.gradingEntry.recordedAt)]))
        if isHeld {
            let why = grading.holdExplanation(p).map { ": \($0)" } ?? ""
            return p(Message("HELD FOR REVIEW, not graded{why}; {grading} suggested {grade}",
                             ["why": .text(why), "grading": .text(graded), "grade": .text(p.grade(grading.lotGrade))]))
        }
        if let decision = current.decision {
            let original = grading.held
                ? p(Message("{grade}, held for review", ["grade": .text(p.grade(grading.lotGrade))])) : p.grade(grading.lotGrade)
            return p(Message("grade {grade}, decided by review: correction #{seq} on {time}{reason} ({grading} said {original})", [
                "grade": .text(p.grade(current.grade)), "seq": .text(String(decision.entry.seq)), "time": .timestamp(decision.entry.recordedAt),
                "reason": .text(decision.record.attributedReason(p)), "grading": .text(graded), "original": .text(original)]))
        }
        return p(Message("grade {grade} ({grading})", ["grade": .text(p.grade(current.grade)), "grading": .text(graded)]))
    }
}
