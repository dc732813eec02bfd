import Deterministic
import NeuralNet
import Provenance

/// A lot's grade and whether a person must review it, decided from its photos' calibrated grade
/// probabilities (README: "Grading policy").
public struct LotDecision: Sendable, Equatable {
    public let grade: String
    /// Expected share of each grade (policy order) among the lot's tomatoes, in basis points: the
    /// mean over readable photos of the photo's probability of that grade.
    public let expectedSharesBP: [Int]
    /// Probability, in basis points, that the lot's photos' true grades give the lot `grade` under
    /// the lot rules, if each photo's grade follows its calibrated probabilities independently.
    public let confidenceBP: Int
    /// Why the lot is held for review (recorded as the grading entry's `hold_reason`), or nil.
    public let hold: HoldReason?

    public var held: Bool { hold != nil }
}

extension GradingPolicy {
    /// Simulated lots behind `LotDecision.confidenceBP`: the estimate is within about ±1.6 % (two
    /// standard errors at 50 %) of the exact probability, and the same on every run.
    static let lotConfidenceDraws = 4096
    static let lotConfidenceSeed: UInt64 = 0x6167_7269_6c6f_7400

    /// Decides a lot from the grade probabilities, in basis points (policy grade order), of its
    /// readable photos. The grade applies the lot rules to the expected grade shares (the sums
    /// of the photos' basis points, compared exactly); the confidence is the share of simulated
    /// lots (each photo's grade drawn from its probabilities, seeded, so the decision is
    /// reproducible from the scores recorded in the ledger) that the rules give the same grade.
    /// `photos` counts each photo content once; `unreadable` and `repeated` count the lot's
    /// photos that could not be read and those repeating another's content: either holds the lot,
    /// since its grade then rests on less than the photos it was sent with.
    public func decideLot(gradeBasisPoints photos: [[Int]], reviewRule: ModelCalibration.ReviewRule?,
                          unreadable: Int = 0, repeated: Int = 0) -> LotDecision {
        guard !photos.isEmpty else {
            return LotDecision(grade: otherwise, expectedSharesBP: grades.map { _ in 0 }, confidenceBP: 0, hold: .noReadablePhotos)
        }
        var sums = [Int](repeating: 0, count: grades.count)
        for photo in photos { for (g, bp) in photo.enumerated() { sums[g] += bp } }
        let gradeIndex = lotGradeIndex(amounts: sums, total: 10_000 * photos.count)
        var random = SeededRandom(seed: Self.lotConfidenceSeed)
        var agree = 0
        var counts = [Int](repeating: 0, count: grades.count)
        for _ in 0..<Self.lotConfidenceDraws {
            for g in counts.indices { counts[g] = 0 }
            for photo in photos {
                let total = photo.reduce(0, +)
                // A photo without any probability mass (all scores rounded to 0) counts as its worst grade.
                guard total > 0 else { counts[grades.count - 1] += 1; continue }
                var draw = Int(random.next() % UInt64(total))
                var g = 0
                while draw >= photo[g] { draw -= photo[g]; g += 1 }
                counts[g] += 1
            }
            if lotGradeIndex(amounts: counts, total: photos.count) == gradeIndex { agree += 1 }
        }
        let confidence = agree * 10_000 / Self.lotConfidenceDraws
        let hold: HoldReason? = reviewRule == nil ? .modelNotCalibrated
            : unreadable > 0 ? .unreadablePhotos
            : repeated > 0 ? .repeatedPhotos
            : confidence < holdWhenLotConfidenceBelowBP ? .lotGradeUncertain : nil
        return LotDecision(grade: grades[gradeIndex], expectedSharesBP: sums.map { $0 / photos.count },
                           confidenceBP: confidence, hold: hold)
    }
}
