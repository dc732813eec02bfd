import Foundation
import NeuralNet
import Testing
import TestSupport
@testable import Grading

/// The default policy's `lot_posterior` estimator, against an exact twin: the posterior of the
/// photos' true grades enumerated over every count vector (`exactAnswerProbabilities`).
@Suite struct LotPosteriorTests {
    let policy = try! GradingPolicy.bundledDefault()
    let rule = ModelCalibration.ReviewRule(classGroups: [0, 0, 1, 1, 1, 2, 2, 2, 3, 3], targetBP: 9000, thresholdBP: 7000)

    /// A policy with `grades` (best first) and one rule per grade but the last, in version 3.
    static func policy(grades: [String], rules: [(atOrAboveBP: Int, rejectBP: Int)]) throws -> GradingPolicy {
        let quoted = grades.map { "\"\($0)\"" }.joined(separator: ", ")
        let ruleText = zip(grades, rules).map { "{\"grade\": \"\($0)\", \"min_at_or_above_bp\": \($1.atOrAboveBP), \"max_reject_bp\": \($1.rejectBP)}" }
        let text = """
            {"format": "agritrace-grading-policy", "version": 3, "name": "test", "grades": [\(quoted)],
             "class_grades": [\(quoted)], "review_target_accuracy_bp": 9000, "lot_rules": [\(ruleText.joined(separator: ", "))],
             "otherwise": "\(grades.last!)", "lot_estimator": "lot_posterior", "hold_when_lot_confidence_below_bp": 7000}
            """
        return try GradingPolicy(data: Data(text.utf8), fileName: "test.json")
    }

    /// P(the rules give each grade) when the lot's photos share a grade mix with a Dirichlet(1/2)
    /// prior and photo i's grade g has likelihood p_i(g): the sum, over count vectors c, of
    /// [coefficient of x^c in prod_i sum_g p_i(g) x_g] x prod_g Gamma(c_g + 1/2) / Gamma(1/2).
    static func exactAnswerProbabilities(_ photos: [[Int]], policy: GradingPolicy) -> [Double] {
        let gradeCount = policy.grades.count
        var weights: [[Int]: Double] = [[Int](repeating: 0, count: gradeCount): 1]
        for photo in photos {
            var next: [[Int]: Double] = [:]
            for (counts, weight) in weights {
                for g in 0..<gradeCount where photo[g] > 0 {
                    var more = counts
                    more[g] += 1
                    next[more, default: 0] += weight * Double(photo[g]) / 10_000
                }
            }
            weights = next
        }
        var answers = [Double](repeating: 0, count: gradeCount)
        for (counts, weight) in weights {
            let prior = counts.map { lgamma(Double($0) + 0.5) - lgamma(0.5) }.reduce(0, +)
            answers[policy.lotGradeIndex(amounts: counts, total: photos.count)] += weight * exp(prior)
        }
        let total = answers.reduce(0, +)
        return answers.map { $0 / total }
    }

    /// Photos that each lean to one grade make a lot of that grade: the evidence adds up across the
    /// lot. Expected shares graded every one of these lots a grade too low (each photo keeps 20-25 %
    /// on its neighbours, so no lot reaches the 85-90 % a Premium or Grade I lot needs).
    @Test func aLotWhosePhotosAllLeanToOneGradeGetsThatGrade() {
        let leaning: [(grade: String, photo: [Int])] = [
            ("Premium", [8000, 2000, 0, 0]), ("Premium", [7500, 1500, 800, 200]),
            ("Grade I", [500, 7500, 2000, 0]), ("Grade II", [200, 1200, 7500, 1100]), ("Reject", [0, 300, 2200, 7500]),
        ]
        for (grade, photo) in leaning {
            for size in [4, 6, 8, 13, 30] {
                let photos = Array(repeating: photo, count: size)
                let lot = policy.decideLot(gradeBasisPoints: photos, reviewRule: rule)
                #expect(lot.grade == grade, "\(size) photos like \(photo): \(lot.grade), confidence \(lot.confidenceBP)")
                #expect(GradingPolicyTests.expectedSharesPolicy.decideLot(gradeBasisPoints: photos, reviewRule: rule).grade != grade || grade == "Reject",
                        "expected shares should grade \(photo) one step low")
            }
        }
    }

    /// A mix of clear photos is graded by the mix, not by its majority.
    @Test func clearMixesAreGradedByTheRules() {
        let premium = [9600, 400, 0, 0], gradeOne = [400, 9600, 0, 0], reject = [0, 0, 300, 9700]
        func grade(_ photos: [[Int]]) -> String { policy.decideLot(gradeBasisPoints: photos, reviewRule: rule).grade }
        #expect(grade(Array(repeating: premium, count: 10)) == "Premium")
        #expect(grade(Array(repeating: premium, count: 7) + Array(repeating: gradeOne, count: 3)) == "Grade I")
        #expect(grade(Array(repeating: premium, count: 9) + [reject]) == "Grade II", "one reject in ten is more than Grade I's 5 %")
        #expect(grade(Array(repeating: premium, count: 5) + Array(repeating: gradeOne, count: 5) + Array(repeating: reject, count: 3)) == "Reject")
    }

    /// The sampler against the exact posterior on random lots of odd sizes and policies of 2 to 5
    /// grades: the grade it picks is (within sampling error) the most probable answer, and its
    /// confidence is that answer's exact probability within 4 points.
    @Test func theSamplerMatchesTheExactPosterior() throws {
        let policies = [
            try Self.policy(grades: ["Good", "Bad"], rules: [(8000, 2000)]),
            try Self.policy(grades: ["A", "B", "C"], rules: [(9000, 500), (7000, 1500)]),
            policy,
            try Self.policy(grades: ["A", "B", "C", "D", "E"], rules: [(9000, 0), (8000, 500), (7000, 1000), (5000, 3000)]),
        ]
        var random = SeededGenerator(seed: 11)
        var checked = 0
        for policy in policies {
            for size in [1, 2, 3, 5, 7, 11] {
                for _ in 0..<3 {
                    // Each photo leans to a random grade by a random amount; some grades get 0.
                    let photos = (0..<size).map { _ -> [Int] in
                        let raw = policy.grades.indices.map { _ in random.next() % 3 == 0 ? 0 : Int(random.next() % 1000) }
                        let lean = Int(random.next() % UInt64(policy.grades.count))
                        var bp = raw.map { $0 * 3000 / max(raw.reduce(0, +), 1) }
                        bp[lean] += 10_000 - bp.reduce(0, +)
                        return bp
                    }
                    let exact = Self.exactAnswerProbabilities(photos, policy: policy)
                    let lot = policy.decideLot(gradeBasisPoints: photos, reviewRule: rule)
                    let picked = policy.grades.firstIndex(of: lot.grade)!
                    #expect(exact[picked] >= exact.max()! - 0.04, "\(photos): picked \(lot.grade) (\(exact[picked])), exact \(exact)")
                    #expect(abs(Double(lot.confidenceBP) / 10_000 - exact[picked]) < 0.04,
                            "\(photos): confidence \(lot.confidenceBP) bp, exact \(exact[picked])")
                    checked += 1
                }
            }
        }
        #expect(checked == 72)
    }

    /// Photos torn evenly between Premium and Grade I say nothing about which: the posterior is the
    /// prior's. Eight make a Premium lot only if all eight are Premium, which the prior gives
    /// Gamma(8.5) / (Gamma(0.5) Gamma(9)) = 19.6 % (a check of the exact twin itself); forty need
    /// 36 Premium. The sampler must visit both modes (all Premium, all Grade I).
    @Test func tornPhotosGiveTheLotThePriorsAnswer() {
        let eight = Self.exactAnswerProbabilities(Array(repeating: [5000, 5000, 0, 0], count: 8), policy: policy)
        #expect(abs(eight[0] - exp(lgamma(8.5) - lgamma(0.5) - lgamma(9))) < 1e-9, "\(eight)")
        for size in [8, 40] {
            let photos = Array(repeating: [5000, 5000, 0, 0], count: size)
            let lot = policy.decideLot(gradeBasisPoints: photos, reviewRule: rule)
            let exact = Self.exactAnswerProbabilities(photos, policy: policy)
            #expect(lot.grade == "Grade I" && exact[1] > 0.75)
            #expect(abs(Double(lot.confidenceBP) / 10_000 - exact[1]) < 0.04, "\(size) photos: \(lot.confidenceBP) bp, exact \(exact)")
        }
    }

    @Test func decisionsAreReproducibleAndZeroMassPhotosCountAsRejects() {
        var random = SeededGenerator(seed: 5)
        let photos = (0..<23).map { _ -> [Int] in
            let raw = (0..<4).map { _ in Int(random.next() % 1000) }
            return raw.map { $0 * 10_000 / max(raw.reduce(0, +), 1) }
        }
        let first = policy.decideLot(gradeBasisPoints: photos, reviewRule: rule)
        #expect(policy.decideLot(gradeBasisPoints: photos, reviewRule: rule) == first)
        // The photos' order (the manifest's) does not change the decision.
        #expect(policy.decideLot(gradeBasisPoints: photos.reversed(), reviewRule: rule) == first)
        #expect(policy.decideLot(gradeBasisPoints: Array(photos[7...] + photos[..<7]), reviewRule: rule) == first)
        #expect(first.expectedSharesBP.reduce(0, +) <= 10_000 && first.expectedSharesBP.reduce(0, +) > 9_990)
        let blank = policy.decideLot(gradeBasisPoints: Array(repeating: [0, 0, 0, 0], count: 5), reviewRule: rule)
        #expect(blank.grade == "Reject" && blank.confidenceBP == 10_000 && blank.expectedSharesBP == [0, 0, 0, 10_000])
    }
}
