import Crypto
import Foundation
import Provenance

/// How model classes become commercial grades and how a lot's grade follows from its photos.
/// The file format is specified in `Sources/Grading/README.md`; all shares are integer basis
/// points (1/100 of a percent) so decisions are exact and reproducible.
public struct GradingPolicy: Sendable, Equatable {
    public struct LotRule: Sendable, Equatable, Codable {
        /// The grade a lot gets when this rule is the first one it satisfies.
        public let grade: String
        /// At least this share of the lot's readable photos grade `grade` or better.
        public let minAtOrAboveBP: Int
        /// At most this share grade as the worst grade (the last of `grades`).
        public let maxRejectBP: Int

        enum CodingKeys: String, CodingKey {
            case grade
            case minAtOrAboveBP = "min_at_or_above_bp"
            case maxRejectBP = "max_reject_bp"
        }
    }

    public let name: String
    /// Best first; the last one is the reject grade.
    public let grades: [String]
    /// Grade of each model class, by class index.
    public let classGrades: [String]
    /// A photo whose top class probability is below this needs a person's review.
    public let reviewBelowTopProbabilityBP: Int
    public let lotRules: [LotRule]
    /// The lot grade when no rule matches.
    public let otherwise: String
    /// A lot is held for review when more than this share of its readable photos needs review.
    public let holdWhenReviewAboveBP: Int
    /// Lowercase hex SHA-256 of the policy file's bytes, recorded with every grading.
    public let sha256: String
    /// Optional names of the grades for people, per language: grade → language tag → name.
    /// Entries and JSON keep the grade itself, which is language-neutral.
    public let gradeNames: [String: [String: String]]

    /// The grade's name in `language` (a tag such as "vi"), else the grade itself.
    public func displayName(of grade: String, language: String) -> String {
        gradeNames[grade]?[language] ?? grade
    }

    /// The policy shipped with AgriTrace (FGrade's 4-grade grouping).
    public static func bundledDefault() throws -> GradingPolicy {
        try GradingPolicy(contentsOf: BundledResources.defaultPolicyURL)
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw GradingPolicyError(file: url.lastPathComponent, "cannot be read: \(error.localizedDescription)")
        }
        try self.init(data: data, fileName: url.lastPathComponent)
    }

    public init(data: Data, fileName: String) throws {
        func fail(_ message: String) -> GradingPolicyError { GradingPolicyError(file: fileName, message) }
        let file: PolicyFile
        do {
            file = try JSONDecoder().decode(PolicyFile.self, from: data)
        } catch let error as DecodingError {
            throw fail("not a valid grading policy: \(Self.describe(error))")
        }
        let known = Set(PolicyFile.CodingKeys.allCases.map(\.rawValue))
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            let unknown = object.keys.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty { throw fail("unknown key\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", "))") }
        }
        guard file.format == "agritrace-grading-policy" else { throw fail("format must be \"agritrace-grading-policy\"") }
        guard file.version == 1 else { throw fail("unsupported version \(file.version) (this build reads version 1)") }
        guard file.grades.count >= 2, Set(file.grades).count == file.grades.count else {
            throw fail("grades must list at least two distinct grades, best first")
        }
        let gradeSet = Set(file.grades)
        guard !file.classGrades.isEmpty else { throw fail("class_grades is empty") }
        for (index, grade) in file.classGrades.enumerated() where !gradeSet.contains(grade) {
            throw fail("class_grades[\(index)] names unknown grade '\(grade)'")
        }
        for (index, rule) in file.lotRules.enumerated() {
            guard gradeSet.contains(rule.grade) else { throw fail("lot_rules[\(index)] names unknown grade '\(rule.grade)'") }
            guard (0...10_000).contains(rule.minAtOrAboveBP), (0...10_000).contains(rule.maxRejectBP) else {
                throw fail("lot_rules[\(index)]: basis points must be within 0...10000")
            }
        }
        guard gradeSet.contains(file.otherwise) else { throw fail("otherwise names unknown grade '\(file.otherwise)'") }
        guard (0...10_000).contains(file.reviewBelowTopProbabilityBP), (0...10_000).contains(file.holdWhenReviewAboveBP) else {
            throw fail("review_below_top_probability_bp and hold_when_review_above_bp must be within 0...10000")
        }
        for (grade, names) in (file.gradeNames ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard gradeSet.contains(grade) else { throw fail("grade_names names unknown grade '\(grade)'") }
            for (language, text) in names.sorted(by: { $0.key < $1.key }) {
                guard (2...8).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw fail("grade_names['\(grade)']: '\(language)' is not a language code such as \"vi\"")
                }
                guard (1...64).contains(text.unicodeScalars.count),
                      !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw fail("grade_names['\(grade)']['\(language)'] must be 1 to 64 characters, without control characters")
                }
            }
        }
        gradeNames = file.gradeNames ?? [:]
        name = file.name
        grades = file.grades
        classGrades = file.classGrades
        reviewBelowTopProbabilityBP = file.reviewBelowTopProbabilityBP
        lotRules = file.lotRules
        otherwise = file.otherwise
        holdWhenReviewAboveBP = file.holdWhenReviewAboveBP
        sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Refuses a model whose class count differs from the policy's class table.
    public func check(classCount: Int, modelName: String) throws {
        guard classCount == classGrades.count else {
            throw GradingPolicyError(file: name, "maps \(classGrades.count) classes but model \(modelName) has \(classCount)")
        }
    }

    public func grade(ofClass index: Int) -> String { classGrades[index] }

    /// A photo needs review when its top probability (in basis points) is below the threshold.
    public func needsReview(topProbabilityBP: Int) -> Bool { topProbabilityBP < reviewBelowTopProbabilityBP }

    /// The lot grade from the number of readable photos per grade (keyed by grade name).
    public func lotGrade(counts: [String: Int]) -> String {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return otherwise }
        let rejects = counts[grades.last!, default: 0]
        for rule in lotRules {
            let rank = grades.firstIndex(of: rule.grade)!
            let atOrAbove = grades[...rank].reduce(0) { $0 + counts[$1, default: 0] }
            // Cross-multiplied so the comparison is exact: count/total >= bp/10000.
            if atOrAbove * 10_000 >= rule.minAtOrAboveBP * total && rejects * 10_000 <= rule.maxRejectBP * total {
                return rule.grade
            }
        }
        return otherwise
    }

    /// Why a lot is held for a person's review instead of being released at its grade, or nil
    /// when it is not held. Recorded in the grading entry (`hold_reason`).
    public func holdReason(readable: Int, needingReview: Int) -> HoldReason? {
        if readable == 0 { return .noReadablePhotos }
        return needingReview * 10_000 > holdWhenReviewAboveBP * readable ? .photosNeedReview : nil
    }

    /// Whether a lot is held for a person's review instead of being released at its grade.
    public func isHeld(readable: Int, needingReview: Int) -> Bool {
        holdReason(readable: readable, needingReview: needingReview) != nil
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

private struct PolicyFile: Decodable {
    let format: String
    let version: Int
    let name: String
    let grades: [String]
    let classGrades: [String]
    let reviewBelowTopProbabilityBP: Int
    let lotRules: [GradingPolicy.LotRule]
    let otherwise: String
    let holdWhenReviewAboveBP: Int
    let gradeNames: [String: [String: String]]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, version, name, grades
        case gradeNames = "grade_names"
        case classGrades = "class_grades"
        case reviewBelowTopProbabilityBP = "review_below_top_probability_bp"
        case lotRules = "lot_rules"
        case otherwise
        case holdWhenReviewAboveBP = "hold_when_review_above_bp"
    }
}
