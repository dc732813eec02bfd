import Deterministic
import NeuralNet
import Provenance

/// A lot's grade and whether a person must review it, decided from its photos' calibrated grade
/// probabilities (README: "Grading policy").
public struct LotDecision: Sendable, Equatable {
    public let grade: String
    /// Expected share of each grade (policy order) among the lot's photos, in basis points, under
    /// the policy's lot estimator (for `expected_shares`, the mean of the photos' probabilities).
    public let expectedSharesBP: [Int]
    /// Probability, in basis points, that the lot's photos' true grades give the lot `grade` under
    /// the lot rules, as the policy's lot estimator models those grades.
    public let confidenceBP: Int
    /// Why the lot is held for review (recorded as the grading entry's `hold_reason`), or nil.
    public let hold: HoldReason?

    public var held: Bool { hold != nil }
}

extension GradingPolicy {
    /// Simulated lots behind `LotDecision.confidenceBP` under `expected_shares`: the estimate is
    /// within about ±1.6 % (two standard errors at 50 %) of the exact probability, and the same on
    /// every run.
    static let lotConfidenceDraws = 4096
    static let lotConfidenceSeed: UInt64 = 0x6167_7269_6c6f_7400
    /// The `lot_posterior` sampler: independent chains, each started from photo grades drawn from
    /// their own probabilities (so a posterior with two modes, e.g. photos torn between two grades,
    /// is visited in both), a few sweeps to forget the start, then one sample per sweep.
    static let posteriorChains = 64
    static let posteriorBurnInSweeps = 16
    static let posteriorSampledSweeps = 48

    /// Decides a lot from the grade probabilities, in basis points (policy grade order), of its
    /// readable photos, with the policy's lot estimator (`GradingPolicy.LotEstimator`); either is
    /// reproducible from the scores recorded in the ledger (integer arithmetic, fixed seed).
    /// `photos` counts each photo content once; `unreadable` and `repeated` count the lot's
    /// photos that could not be read and those repeating another's content: either holds the lot,
    /// since its grade then rests on less than the photos it was sent with.
    public func decideLot(gradeBasisPoints photos: [[Int]], reviewRule: ModelCalibration.ReviewRule?,
                          unreadable: Int = 0, repeated: Int = 0) -> LotDecision {
        guard !photos.isEmpty else {
            return LotDecision(grade: otherwise, expectedSharesBP: grades.map { _ in 0 }, confidenceBP: 0, hold: .noReadablePhotos)
        }
        let (gradeIndex, sharesBP, confidence) = switch lotEstimator {
        case .expectedShares: expectedSharesEstimate(photos)
        case .lotPosterior: lotPosteriorEstimate(photos)
        }
        let hold: HoldReason? = reviewRule == nil ? .modelNotCalibrated
            : unreadable > 0 ? .unreadablePhotos
            : repeated > 0 ? .repeatedPhotos
            : confidence < holdWhenLotConfidenceBelowBP ? .lotGradeUncertain : nil
        return LotDecision(grade: grades[gradeIndex], expectedSharesBP: sharesBP, confidenceBP: confidence, hold: hold)
    }

    /// Version 2's estimator: the rules applied to the mean of the photos' probabilities; the
    /// confidence is the share of simulated lots (each photo's grade drawn from its own
    /// probabilities, independently of the others) that the rules give the same grade.
    private func expectedSharesEstimate(_ photos: [[Int]]) -> (grade: Int, sharesBP: [Int], confidenceBP: Int) {
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
                // Drawn as version 2 always drew, so recorded decisions come out the same again.
                var draw = Int(random.next() % UInt64(total))
                var g = 0
                while draw >= photo[g] { draw -= photo[g]; g += 1 }
                counts[g] += 1
            }
            if lotGradeIndex(amounts: counts, total: photos.count) == gradeIndex { agree += 1 }
        }
        return (gradeIndex, sums.map { $0 / photos.count }, agree * 10_000 / Self.lotConfidenceDraws)
    }

    /// The lot's photos share one unknown grade mix (Dirichlet prior, every parameter 1/2), and each
    /// photo's grade probabilities are taken, as they are, as the relative likelihoods of its grades
    /// (dividing out a grade prior graded fewer validation lots right: README "Grading policy"). Collapsed Gibbs sampling of the photos' true grades draws photo i's
    /// grade g with weight (2 × others of grade g + 1) × p_i(g), exact in integers. The lot grade is
    /// the rules' most frequent answer over the samples (a tie goes to the worse grade) and the
    /// confidence is that answer's share. Unlike expected shares, evidence pools across the lot:
    /// eight photos each 80 % Premium and 20 % Grade I make a Premium lot, where averaging keeps
    /// 20 % of every photo on Grade I and grades the lot one step low.
    private func lotPosteriorEstimate(_ lotPhotos: [[Int]]) -> (grade: Int, sharesBP: [Int], confidenceBP: Int) {
        // In one fixed order, so that the decision depends on the lot's photos, not on their order in the manifest.
        let photos = lotPhotos.sorted { $0.lexicographicallyPrecedes($1) }
        let gradeCount = grades.count
        var random = SeededRandom(seed: Self.lotConfidenceSeed)
        var answers = [Int](repeating: 0, count: gradeCount)
        var countSums = [Int](repeating: 0, count: gradeCount)
        var photoGrade = [Int](repeating: 0, count: photos.count)
        var counts = [Int](repeating: 0, count: gradeCount)
        var cumulative = [Int](repeating: 0, count: gradeCount)
        for _ in 0..<Self.posteriorChains {
            for g in counts.indices { counts[g] = 0 }
            for (i, photo) in photos.enumerated() {
                photoGrade[i] = Self.startingGrade(of: photo, &random) ?? gradeCount - 1
                counts[photoGrade[i]] += 1
            }
            for sweep in 0..<(Self.posteriorBurnInSweeps + Self.posteriorSampledSweeps) {
                for (i, photo) in photos.enumerated() {
                    counts[photoGrade[i]] -= 1
                    var total = 0
                    for g in 0..<gradeCount {
                        total += (2 * counts[g] + 1) * photo[g]
                        cumulative[g] = total
                    }
                    // A photo without any probability mass (all scores rounded to 0) counts as its worst grade.
                    var g = gradeCount - 1
                    if total > 0 {
                        let draw = Int(random.next().multipliedFullWidth(by: UInt64(total)).high)
                        g = cumulative.firstIndex { draw < $0 }!
                    }
                    photoGrade[i] = g
                    counts[g] += 1
                }
                guard sweep >= Self.posteriorBurnInSweeps else { continue }
                answers[lotGradeIndex(amounts: counts, total: photos.count)] += 1
                for g in counts.indices { countSums[g] += counts[g] }
            }
        }
        let samples = Self.posteriorChains * Self.posteriorSampledSweeps
        // The worse grade wins a tie: the last index holding the largest count.
        let gradeIndex = answers.indices.reversed().max { answers[$0] < answers[$1] }!
        let sharesBP = countSums.map { $0 * 10_000 / (samples * photos.count) }
        return (gradeIndex, sharesBP, answers[gradeIndex] * 10_000 / samples)
    }

    /// A grade index drawn with the photo's basis points as weights; nil when they sum to 0.
    private static func startingGrade(of photo: [Int], _ random: inout SeededRandom) -> Int? {
        let total = photo.reduce(0, +)
        guard total > 0 else { return nil }
        var draw = Int(random.next().multipliedFullWidth(by: UInt64(total)).high)
        var g = 0
        while draw >= photo[g] { draw -= photo[g]; g += 1 }
        return g
    }
}
