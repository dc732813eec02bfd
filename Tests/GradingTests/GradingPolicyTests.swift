import Foundation
import Provenance
import Testing
@testable import Grading

@Suite struct GradingPolicyTests {
    let policy = try! GradingPolicy.bundledDefault()

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

    @Test func reviewAndHoldThresholds() {
        #expect(policy.needsReview(topProbabilityBP: 5999))
        #expect(!policy.needsReview(topProbabilityBP: 6000))
        #expect(!policy.isHeld(readable: 8, needingReview: 2))   // 25 % is not above 25 %
        #expect(policy.isHeld(readable: 7, needingReview: 2))
        #expect(policy.isHeld(readable: 0, needingReview: 0))
        // The reason recorded with the hold names which rule held the lot.
        #expect(policy.holdReason(readable: 8, needingReview: 2) == nil)
        #expect(policy.holdReason(readable: 7, needingReview: 2) == .photosNeedReview)
        #expect(policy.holdReason(readable: 0, needingReview: 0) == .noReadablePhotos)
    }

    @Test func badPoliciesAreRefusedWithTheReason() throws {
        let good = try String(contentsOf: BundledResources.defaultPolicyURL, encoding: .utf8)
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "\"otherwise\": \"Reject\"", with: "\"otherwise\": \"Compost\""), "otherwise names unknown grade 'Compost'"),
            (good.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"), "unsupported version 2"),
            (good.replacingOccurrences(of: "\"min_at_or_above_bp\": 9000", with: "\"min_at_or_above_bp\": \"9000\""), "lot_rules"),
            (good.replacingOccurrences(of: "\"name\"", with: "\"nmae\""), "missing key 'name'"),
            (good.replacingOccurrences(of: "\"otherwise\"", with: "\"extra\": 1, \"otherwise\""), "unknown key extra"),
            (good.replacingOccurrences(of: "\"Reject\", \"Reject\"]", with: "\"Reject\", \"Rejected\"]"), "class_grades[9] names unknown grade 'Rejected'"),
            ("{", "not a valid grading policy"),
            (good.replacingOccurrences(of: "\"Grade II\": {\"vi\"", with: "\"Grade III\": {\"vi\""), "grade_names names unknown grade 'Grade III'"),
            (good.replacingOccurrences(of: "\"Reject\": {\"vi\"", with: "\"Reject\": {\"v1\""), "'v1' is not a language code"),
            (good.replacingOccurrences(of: "\"vi\": \"Loại bỏ\"", with: "\"vi\": \"Loại\\nbỏ\""), "without control characters"),
            (good.replacingOccurrences(of: "\"vi\": \"Hạng I\"", with: "\"vi\": \"\""), "must be 1 to 64 characters"),
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
