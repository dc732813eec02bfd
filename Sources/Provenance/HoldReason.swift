/// Why the grading policy held a lot for review, as recorded in the grading entry's
/// `hold_reason`. Stored as a code, not a sentence, so every reader can say it in the reader's
/// language; the entry's own counts (`needs_review`, `images`) give the numbers.
public enum HoldReason: String, Sendable, CaseIterable {
    /// More of the lot's readable photos need review (top probability below the policy's
    /// threshold) than the policy allows. Written by version 1 grading policies; kept so their
    /// entries still read.
    case photosNeedReview = "photos_need_review"
    /// None of the lot's photos could be read, so nothing supports a grade.
    case noReadablePhotos = "no_readable_photos"
    /// The policy's confidence in the lot's grade (from its photos' probabilities) is below
    /// the policy's limit.
    case lotGradeUncertain = "lot_grade_uncertain"
    /// The model carries no review threshold chosen on validation photos for the policy's
    /// grades and target, so no photo could be decided without a person.
    case modelNotCalibrated = "model_not_calibrated"
    /// Some of the lot's photos could not be read: the grade speaks for the readable ones only,
    /// and the unreadable ones might be the lot's worst.
    case unreadablePhotos = "unreadable_photos"
    /// Some photos repeat another photo of the lot (the same bytes under another name): the lot
    /// has fewer photos than it claims. Each content counts once in the grade.
    case repeatedPhotos = "repeated_photos"

    /// The codes a grading entry may hold, for messages.
    public static var codes: String { allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }
}
