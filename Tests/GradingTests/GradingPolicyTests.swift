import Foundation
import Localization
import NeuralNet
import Provenance
import Testing
import TestSupport
@testable import Grading

@Suite struct GradingPolicyTests {
    let policy = try! GradingPolicy.bundledDefault()
    /// The bundled policy as a version 2 file: the same rules, lots decided by expected shares.
    static let expectedSharesPolicy: GradingPolicy = {
        let bundled = try! String(contentsOf: BundledResources.defaultPolicyURL, encoding: .utf8)
        let version2 = bundled.replacingOccurrences(of: "\"version\": 3", with: "\"version\": 2")
            .replacingOccurrences(of: "  \"lot_estimator\": \"lot_posterior\",\n", with: "")
            .replacingOccurrences(of: "\"hold_when_lot_confidence_below_bp\": 6000", with: "\"hold_when_lot_confidence_below_bp\": 5000")
        let policy = try! GradingPolicy(data: Data(version2.utf8), fileName: "version2.json")
        precondition(policy.lotEstimator == .expectedShares && policy.holdWhenLotConfidenceBelowBP == 5000)
        return policy
    }()

    @Test func theDefaultPolicyIsFGradesFourGradeGrouping() throws {
        #expect(policy.grades == ["Premium", "Grade I", "Grade II", "Reject"])
        #expect((0..<10).map(policy.grade(ofClass:)) == ["Premium", "Premium", "Grade I", "Grade I", "Grade I",
                                                         "Grade II", "Grade II", "Grade II", "Reject", "Reject"])
        let bytes = try Data(contentsOf: BundledResources.defaultPolicyURL)
        #expect(policy.sha256 == UploadDigest.sha256Hex(bytes))
        #expect(policy.sha256.count == 64)
    }

    @Test func lotRulesAreExactAtTheirBoundaries() {
        // Premium needs >= 90 % Premium and <= 2 % Reject.
        #expect(policy.lotGrade(counts: ["Premium": 90, "Grade I": 8, "Reject": 2]) == "Premium")
        #expect(policy.lotGrade(counts: ["Premium": 89, "Grade I": 9, "Reject": 2]) == "Grade I")
        #expect(policy.lotGrade(counts: ["Premium": 95, "Reject": 5]) == "Grade I")      // too many rejects for Premium
        #expect(policy.lotGrade(counts: ["Premium": 94, "Reject": 6]) == "Grade II")     // and for Grade I (<= 5 %)
        #expect(policy.lotGrade(counts: ["Grade II": 90, "Reject": 10]) == "Grade II")
        #expect(policy.lotGrade(counts: ["Grade II": 89, "Reject": 11]) == "Reject")
        #expect(policy.lotGrade(counts: [:]) == "Reject")
        #expect(policy.lotGrade(counts: ["Premium": 1]) == "Premium")
    }

    let rule = ModelCalibration.ReviewRule(classGroups: [0, 0, 1, 1, 1, 2, 2, 2, 3, 3], targetBP: 9000, thresholdBP: 7000)

    @Test func theModelsReviewRuleAppliesOnlyToThePolicysGroupingAndTarget() throws {
        #expect(policy.classGroups == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3])
        #expect(policy.reviewTargetAccuracyBP == 9000 && policy.holdWhenLotConfidenceBelowBP == 6000)
        #expect(policy.lotEstimator == .lotPosterior)
        let calibrated = try ModelCalibration(temperature: 1.25, review: rule, classCount: 10)
        #expect(policy.reviewRule(of: calibrated) == rule)
        #expect(policy.reviewProblem(of: calibrated) == nil)
        // Chosen for another grouping or another target: not this policy's rule.
        for other in [ModelCalibration.ReviewRule(classGroups: [0, 0, 0, 1, 1, 2, 2, 2, 3, 3], targetBP: 9000, thresholdBP: 7000),
                      ModelCalibration.ReviewRule(classGroups: rule.classGroups, targetBP: 8500, thresholdBP: 7000)] {
            let calibration = try ModelCalibration(temperature: 1, review: other, classCount: 10)
            #expect(policy.reviewRule(of: calibration) == nil)
            #expect(policy.reviewProblem(of: calibration)?.contains("another grouping or target") == true)
        }
        #expect(policy.reviewRule(of: .uncalibrated) == nil)
        #expect(policy.reviewProblem(of: .uncalibrated)?.contains("agritrace model calibrate") == true)
        #expect(policy.gradeBasisPoints([5000, 1000, 500, 500, 500, 1000, 500, 500, 300, 200]) == [6000, 1500, 2000, 500])
    }

    @Test func aClearLotGetsItsGradeWithHighConfidence() {
        // Eight photos each 97 % Premium: expected share 97 %, and 8 of 8 Premium photos in 78 % of draws.
        let clear = Self.expectedSharesPolicy.decideLot(gradeBasisPoints: Array(repeating: [9700, 300, 0, 0], count: 8), reviewRule: rule)
        #expect(clear.grade == "Premium" && clear.expectedSharesBP == [9700, 300, 0, 0])
        #expect(abs(clear.confidenceBP - 7837) < 200, "0.97^8 = 0.784, got \(clear.confidenceBP)")
        #expect(!clear.held)
        // Photos torn between Premium and Grade I: whichever way each goes the lot is Grade I
        // (at least 85 % Premium or Grade I, but 90 % Premium only if nearly all draw Premium).
        let torn = Self.expectedSharesPolicy.decideLot(gradeBasisPoints: Array(repeating: [5000, 5000, 0, 0], count: 8), reviewRule: rule)
        #expect(torn.grade == "Grade I" && torn.confidenceBP > 9900 && !torn.held)
    }

    @Test func aLotOnARuleBoundaryIsHeldAsUncertain() {
        // Grade II needs at most 10 % rejects; each photo is 10 % likely a reject, so the expected share
        // is exactly on the limit (Grade II) while one reject among 6 photos (17 %) happens in 47 % of draws.
        let lot = Self.expectedSharesPolicy.decideLot(gradeBasisPoints: Array(repeating: [0, 0, 9000, 1000], count: 6), reviewRule: rule)
        #expect(lot.grade == "Grade II")
        #expect(abs(lot.confidenceBP - 5314) < 200, "0.9^6 = 0.531, got \(lot.confidenceBP)")
        #expect(!lot.held)
        let seven = Self.expectedSharesPolicy.decideLot(gradeBasisPoints: Array(repeating: [0, 0, 9000, 1000], count: 7), reviewRule: rule)
        #expect(abs(seven.confidenceBP - 4783) < 200 && seven.hold == .lotGradeUncertain)
    }

    @Test func lotsWithoutReadablePhotosOrWithoutAValidatedRuleAreHeld() {
        let none = policy.decideLot(gradeBasisPoints: [], reviewRule: rule)
        #expect(none.hold == .noReadablePhotos && none.grade == "Reject")
        let uncalibrated = policy.decideLot(gradeBasisPoints: Array(repeating: [9700, 300, 0, 0], count: 8), reviewRule: nil)
        #expect(uncalibrated.hold == .modelNotCalibrated && uncalibrated.grade == "Premium")
    }

    /// A lot's grade rests on its readable, distinct photos; when some were unreadable or repeated,
    /// however clear the rest, a person decides (a farm could send its worst tomatoes as broken
    /// files, or one good photo twenty times).
    @Test func unreadableOrRepeatedPhotosHoldEvenAClearLot() {
        let clear = Array(repeating: [9700, 300, 0, 0], count: 6)
        #expect(!policy.decideLot(gradeBasisPoints: clear, reviewRule: rule).held)
        for unreadable in [1, 30] {
            let lot = policy.decideLot(gradeBasisPoints: clear, reviewRule: rule, unreadable: unreadable)
            #expect(lot.hold == .unreadablePhotos && lot.grade == "Premium")
        }
        #expect(policy.decideLot(gradeBasisPoints: clear, reviewRule: rule, repeated: 1).hold == .repeatedPhotos)
        #expect(policy.decideLot(gradeBasisPoints: [], reviewRule: rule, unreadable: 3).hold == .noReadablePhotos)
        #expect(policy.decideLot(gradeBasisPoints: clear, reviewRule: nil, unreadable: 3).hold == .modelNotCalibrated)
    }

    @Test func lotDecisionsAreExactAndReproducible() {
        // Shares compared exactly in basis points: 90 % Premium is Premium, 89.99 % is not.
        #expect(Self.expectedSharesPolicy.decideLot(gradeBasisPoints: [[9000, 1000, 0, 0]], reviewRule: rule).grade == "Premium")
        #expect(Self.expectedSharesPolicy.decideLot(gradeBasisPoints: [[8999, 1001, 0, 0]], reviewRule: rule).grade == "Grade I")
        var rng = SeededGenerator(seed: 5)
        let photos = (0..<23).map { _ -> [Int] in
            let raw = (0..<4).map { _ in Int(rng.next() % 1000) }
            return raw.map { $0 * 10_000 / max(raw.reduce(0, +), 1) }
        }
        let first = Self.expectedSharesPolicy.decideLot(gradeBasisPoints: photos, reviewRule: rule)
        #expect(Self.expectedSharesPolicy.decideLot(gradeBasisPoints: photos, reviewRule: rule) == first)
    }

    /// Two rules for one grade are alternatives (the first that matches gives it), and
    /// `otherwise` may be the last rule's grade: both are accepted.
    @Test func alternativeRulesForOneGradeAreAccepted() throws {
        let good = try String(contentsOf: BundledResources.defaultPolicyURL, encoding: .utf8)
        let alternatives = good.replacingOccurrences(of: "{\"grade\": \"Grade I\", \"min_at_or_above_bp\": 8500",
                                                     with: "{\"grade\": \"Premium\", \"min_at_or_above_bp\": 9500, \"max_reject_bp\": 400},\n    {\"grade\": \"Grade I\", \"min_at_or_above_bp\": 8500")
            .replacingOccurrences(of: "\"otherwise\": \"Reject\"", with: "\"otherwise\": \"Grade II\"")
        #expect(alternatives != good)
        let policy = try GradingPolicy(data: Data(alternatives.utf8), fileName: "p.json")
        #expect(policy.lotRules.map(\.grade) == ["Premium", "Premium", "Grade I", "Grade II"])
    }

    @Test func badPoliciesAreRefusedWithTheReason() throws {
        let good = try String(contentsOf: BundledResources.defaultPolicyURL, encoding: .utf8)
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "\"otherwise\": \"Reject\"", with: "\"otherwise\": \"Compost\""), "otherwise names unknown grade 'Compost'"),
            (good.replacingOccurrences(of: "\"Grade I\"", with: "\"Loại 1\""), "grade code 'Loại 1' must be 1 to 32 printable ASCII characters"),
            (good.replacingOccurrences(of: "\"Grade II\"", with: "\"Grade\\tII\""), "must be 1 to 32 printable ASCII characters"),
            (good.replacingOccurrences(of: "\"Hạng I\"", with: "\"Hạng\\u202eI\""), "without control or bidirectional-override characters"),
            (good.replacingOccurrences(of: "\"version\": 3", with: "\"version\": 1"), "unsupported version 1 (this build reads versions 2 and 3"),
            (good.replacingOccurrences(of: "\"version\": 3", with: "\"version\": 4"), "unsupported version 4"),
            (good.replacingOccurrences(of: "\"lot_posterior\"", with: "\"majority\""), "lot_estimator 'majority' is not one of \"expected_shares\", \"lot_posterior\""),
            (good.replacingOccurrences(of: "  \"lot_estimator\": \"lot_posterior\",\n", with: ""), "missing key 'lot_estimator'"),
            (good.replacingOccurrences(of: "\"version\": 3", with: "\"version\": 2"), "lot_estimator needs version 3"),
            (good.replacingOccurrences(of: "\"review_target_accuracy_bp\": 9000", with: "\"review_target_accuracy_bp\": 0"), "review_target_accuracy_bp must be within 1...10000"),
            (good.replacingOccurrences(of: "\"hold_when_lot_confidence_below_bp\": 6000", with: "\"hold_when_lot_confidence_below_bp\": 10001"), "hold_when_lot_confidence_below_bp must be within"),
            (good.replacingOccurrences(of: "\"review_target_accuracy_bp\": 9000", with: "\"review_below_top_probability_bp\": 6000"), "review_target_accuracy_bp"),
            (good.replacingOccurrences(of: "\"min_at_or_above_bp\": 9000", with: "\"min_at_or_above_bp\": \"9000\""), "lot_rules"),
            (good.replacingOccurrences(of: "\"name\"", with: "\"nmae\""), "missing key 'name'"),
            (good.replacingOccurrences(of: "\"otherwise\"", with: "\"extra\": 1, \"otherwise\""), "unknown key extra"),
            (good.replacingOccurrences(of: "\"Reject\", \"Reject\"]", with: "\"Reject\", \"Rejected\"]"), "class_grades[9] names unknown grade 'Rejected'"),
            ("{", "not valid JSON"),
            // Strict JSON: other readers of the recorded file must see the same policy (a repeated
            // key is the first value to one reader and the last to another).
            (good.replacingOccurrences(of: "\"version\": 3,", with: "\"version\": 3, \"version\": 2,"), "duplicate key \"version\""),
            (good.replacingOccurrences(of: "\"hold_when_lot_confidence_below_bp\": 6000", with: "\"hold_when_lot_confidence_below_bp\": 6000,"), "not valid JSON"),
            (good.replacingOccurrences(of: "\"max_reject_bp\": 200}", with: "\"max_reject_bp\": 200, \"colour\": \"red\"}"), "lot_rules[0]: unknown key colour"),
            (good.replacingOccurrences(of: "\"version\": 3", with: "\"version\": 2").replacingOccurrences(of: "\"lot_posterior\"", with: "null"), "lot_estimator needs version 3"),
            (good.replacingOccurrences(of: "\"lot_posterior\"", with: "null"), "missing key 'lot_estimator'"),
            (good.replacingOccurrences(of: "\"Reject\"],", with: "\"Reject\"" + (1...29).map { ", \"G\($0)\"" }.joined() + "],"), "grades must list 2 to 32 distinct grades"),
            (good.replacingOccurrences(of: "\"Grade II\": {\"vi\"", with: "\"Grade III\": {\"vi\""), "grade_names names unknown grade 'Grade III'"),
            (good.replacingOccurrences(of: "\"Reject\": {\"vi\"", with: "\"Reject\": {\"v1\""), "'v1' is not a language code"),
            (good.replacingOccurrences(of: "\"vi\": \"Loại bỏ\"", with: "\"vi\": \"Loại\\nbỏ\""), "without control or bidirectional-override characters"),
            (good.replacingOccurrences(of: "\"vi\": \"Hạng I\"", with: "\"vi\": \"\""), "must be 1 to 64 characters"),
            // Rules out of order: the Premium rule after Grade II's could never apply.
            (good.replacingOccurrences(of: "{\"grade\": \"Premium\", \"min_at_or_above_bp\": 9000", with: "{\"grade\": \"Grade II\", \"min_at_or_above_bp\": 9000")
                .replacingOccurrences(of: "{\"grade\": \"Grade II\", \"min_at_or_above_bp\": 7000", with: "{\"grade\": \"Premium\", \"min_at_or_above_bp\": 7000"),
             "lot_rules[1] (Grade I) must come before lot_rules[0] (Grade II)"),
            (good.replacingOccurrences(of: "\"otherwise\": \"Reject\"", with: "\"otherwise\": \"Grade I\""), "otherwise (Grade I) must not be a better grade than a lot rule's"),
        ]
        for (text, expected) in cases {
            do {
                _ = try GradingPolicy(data: Data(text.utf8), fileName: "p.json")
                Issue.record("accepted a bad policy, expected: \(expected)")
            } catch let error as GradingPolicyError {
                #expect(error.description.contains(expected), "\(error) should mention \(expected)")
                #expect(error.description.hasPrefix("grading policy p.json: "))
            }
        }
    }

    /// A policy's author reads why the file is refused in their language, with the JSON path of
    /// the value and what it must be (not the decoder's English about Swift types), and the file
    /// named as they gave it.
    @Test func refusalsAreInTheReadersLanguageAndNameTheFileAsGiven() throws {
        let good = try String(contentsOf: BundledResources.defaultPolicyURL, encoding: .utf8)
        let hold = "\"hold_when_lot_confidence_below_bp\": 6000"
        let cases: [(String, vi: String, en: String)] = [
            (good.replacingOccurrences(of: hold, with: "\"hold_when_lot_confidence_below_bp\": null"),
             "hold_when_lot_confidence_below_bp là null; giá trị phải là một số nguyên", "hold_when_lot_confidence_below_bp is null; it must be a whole number"),
            (good.replacingOccurrences(of: hold, with: "\"hold_when_lot_confidence_below_bp\": \"6000\""),
             "hold_when_lot_confidence_below_bp phải là một số nguyên", "hold_when_lot_confidence_below_bp must be a whole number"),
            (good.replacingOccurrences(of: hold, with: "\"hold_when_lot_confidence_below_bp\": 10001"),
             "hold_when_lot_confidence_below_bp phải nằm trong khoảng 0...10000", "hold_when_lot_confidence_below_bp must be within 0...10000"),
            (good.replacingOccurrences(of: hold, with: "\"hold_when_lot_confidence_below_bp\": 60.5"),
             "không được dùng phần thập phân", "fractions and exponents are not allowed"),
            (good.replacingOccurrences(of: "\"min_at_or_above_bp\": 9000", with: "\"min_at_or_above_bp\": true"),
             "lot_rules[0].min_at_or_above_bp phải là một số nguyên", "lot_rules[0].min_at_or_above_bp must be a whole number"),
            (good.replacingOccurrences(of: "\"class_grades\": [", with: "\"class_grades\": {\"x\": [").replacingOccurrences(of: "\"Reject\", \"Reject\"]", with: "\"Reject\", \"Reject\"]}"),
             "class_grades phải là một danh sách [ ... ]", "class_grades must be a list [ ... ]"),
            (good.replacingOccurrences(of: "\"otherwise\"", with: "\"otherwise_\""), "thiếu khóa 'otherwise'", "missing key 'otherwise'"),
        ]
        let vietnamese = try Localizer.bundled(.vietnamese)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.url.appendingPathComponent("chính sách")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (text, vi, en) in cases {
            #expect(text != good, "the bundled policy changed: \(en) tests nothing")
            try Data(text.utf8).write(to: folder.appendingPathComponent("p.json"))
            let error = #expect(throws: GradingPolicyError.self) {
                try GradingPolicy(contentsOf: URL(fileURLWithPath: "chính sách/p.json", relativeTo: directory.url))
            }
            #expect(error?.description.hasPrefix("grading policy chính sách/p.json: ") == true, "\(String(describing: error))")
            #expect(error?.description.contains(en) == true, "\(String(describing: error))")
            let translated = error.map { vietnamese.render($0.message) } ?? ""
            #expect(translated.hasPrefix("chính sách phân hạng chính sách/p.json: ") && translated.contains(vi), "\(translated)")
            for english in ["Expected", "expected", "found", "Cannot", "Int", "String", "must", "grading policy"] {
                #expect(!translated.contains(english), "\(english) in \(translated)")
            }
        }
    }

    /// A UTF-8 byte-order mark, which some editors write, is not part of the policy.
    @Test func aByteOrderMarkIsAccepted() throws {
        let bytes = try Data(contentsOf: BundledResources.defaultPolicyURL)
        let marked = try GradingPolicy(data: Data([0xEF, 0xBB, 0xBF]) + bytes, fileName: "bom.json")
        #expect(marked.grades == policy.grades && marked.lotEstimator == .lotPosterior)
    }

    /// Grades stay codes in entries; people see the policy's name for them in their language.
    @Test func gradeNamesPerLanguage() throws {
        #expect(policy.displayName(of: "Premium", language: "vi") == "Hạng đặc biệt")
        #expect(policy.displayName(of: "Reject", language: "vi") == "Loại bỏ")
        #expect(policy.displayName(of: "Grade I", language: "en") == "Grade I")
        #expect(policy.displayName(of: "Premium", language: "fr") == "Premium", "no name in that language: the grade itself")
        #expect(policy.displayName(of: "Compost", language: "vi") == "Compost")
        #expect(Set(policy.grades).isSubset(of: Set(policy.gradeNames.keys)), "the bundled policy names every grade")
    }

    @Test func aModelWithAnotherClassCountIsRefused() {
        #expect(throws: GradingPolicyError.self) { try policy.check(classCount: 4, modelName: "m") }
        #expect(throws: Never.self) { try policy.check(classCount: 10, modelName: "m") }
    }
}
