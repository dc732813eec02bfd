import Crypto
import Foundation
import LedgerStore
import Localization
import NeuralNet
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

        enum CodingKeys: String, CodingKey, CaseIterable {
            case grade
            case minAtOrAboveBP = "min_at_or_above_bp"
            case maxRejectBP = "max_reject_bp"
        }
    }

    /// How a lot's grade and confidence follow from its photos' grade probabilities (README:
    /// "Grading policy"). Version 2 files know only `expected_shares`.
    public enum LotEstimator: String, Sendable, Equatable, CaseIterable {
        /// The rules on the mean of the photos' probabilities; photos' grades independent.
        case expectedShares = "expected_shares"
        /// The rules on the photos' true grades, sampled from their posterior given that the
        /// lot's photos share one grade mix.
        case lotPosterior = "lot_posterior"
    }

    public let name: String
    /// Best first; the last one is the reject grade.
    public let grades: [String]
    /// Grade of each model class, by class index.
    public let classGrades: [String]
    /// The grade index (into `grades`) of each model class: the grouping review thresholds are chosen for.
    public let classGroups: [Int]
    /// Photos decided without review must be in the right grade at least this often (basis points)
    /// on the model's validation photos; the model carries the threshold that meets it
    /// (`ModelCalibration.ReviewRule`, chosen by `agritrace model calibrate`).
    public let reviewTargetAccuracyBP: Int
    public let lotRules: [LotRule]
    /// The lot grade when no rule matches.
    public let otherwise: String
    /// A lot is held for review when the probability that its grade is right is below this.
    public let holdWhenLotConfidenceBelowBP: Int
    public let lotEstimator: LotEstimator
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
            throw GradingPolicyError(file: url.relativePath, Message("cannot be read: {reason}", ["reason": .message(.fileError(error))]))
        }
        // Named as given (`relativePath`): the folder tells two policies of one name apart.
        try self.init(data: data, fileName: url.relativePath)
    }

    /// Explicit bounds on a policy: the sampler's work grows with grades × rules per sample.
    public static let maxGrades = 32
    public static let maxLotRules = 64

    public init(data: Data, fileName: String) throws {
        func fail(_ reason: Message) -> GradingPolicyError { GradingPolicyError(file: fileName, reason) }
        // Strict JSON first (UTF-8, no repeated key, no trailing comma): another reader of the file
        // whose hash the ledger records must see the same policy, and lenient readers disagree on
        // which of two repeated keys counts.
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }   // a byte-order mark some editors write
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw fail(Message("not valid JSON: {reason}", ["reason": .message(.describing(error))]))
        }
        let file: PolicyFile
        do {
            file = try JSONDecoder().decode(PolicyFile.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw fail(Message("not a valid grading policy: {reason}", ["reason": .message(Self.describe(error))]))
        }
        let known = Set(PolicyFile.CodingKeys.allCases.map(\.rawValue))
        // The decoder accepted the file, so it is an object and its lot rules are objects.
        func unknownKeys(_ object: JSONValue?, known: Set<String>) -> Message? {
            let unknown = (object?.objectValue?.keys.filter { !known.contains($0) } ?? []).sorted()
            return unknown.isEmpty ? nil : Message("unknown key {keys}", plural: "unknown keys {keys}", count: unknown.count,
                                                   ["keys": .text(unknown.map { Quoting.printable($0) }.joined(separator: ", "))])
        }
        if let problem = unknownKeys(value, known: known) { throw fail(problem) }
        let ruleKeys = Set(GradingPolicy.LotRule.CodingKeys.allCases.map(\.rawValue))
        for (index, rule) in (value["lot_rules"]?.arrayValue ?? []).enumerated() {
            if let problem = unknownKeys(rule, known: ruleKeys) {
                throw fail(Message("lot_rules[{index}]: {problem}", ["index": .text(String(index)), "problem": .message(problem)]))
            }
        }
        // null is no estimator: refused in version 2 as a named one is, reported as missing in version 3.
        if value["lot_estimator"] == .null, file.version == 2 { throw fail(Message("lot_estimator needs version 3")) }
        guard file.format == "agritrace-grading-policy" else { throw fail(Message("format must be \"agritrace-grading-policy\"")) }
        guard file.version == 2 || file.version == 3 else {
            // Version 1 sent a photo to review by a fixed top-class probability, the same for every model.
            throw fail(Message("unsupported version {version} (this build reads versions 2 and 3: review_target_accuracy_bp and hold_when_lot_confidence_below_bp replace version 1's review_below_top_probability_bp and hold_when_review_above_bp)",
                               ["version": .text(String(file.version))]))
        }
        // Version 3 names its lot estimator; version 2 files keep deciding lots as they always did.
        let estimatorNames = LotEstimator.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        let estimator: LotEstimator
        switch (file.version, file.lotEstimator) {
        case (2, nil): estimator = .expectedShares
        case (2, .some): throw fail(Message("lot_estimator needs version 3"))
        case (_, nil): throw fail(Message("missing key 'lot_estimator' (one of {names})", ["names": .text(estimatorNames)]))
        case (_, let name?):
            guard let known = LotEstimator(rawValue: name) else {
                throw fail(Message("lot_estimator '{name}' is not one of {names}", ["name": .text(EntryValidator.printable(name)), "names": .text(estimatorNames)]))
            }
            estimator = known
        }
        guard (2...Self.maxGrades).contains(file.grades.count), Set(file.grades).count == file.grades.count else {
            throw fail(Message("grades must list 2 to {max} distinct grades, best first", ["max": .text(String(Self.maxGrades))]))
        }
        guard file.lotRules.count <= Self.maxLotRules else {
            throw fail(Message("lot_rules may hold at most {max} rules", ["max": .text(String(Self.maxLotRules))]))
        }
        // Grade codes become keys of every grading entry's distribution: refused here, once, by the
        // ledger's own rule, not lot by lot at signing after the whole upload was graded.
        for grade in file.grades where (try? EntryValidator.checkKey(grade)) == nil || grade.utf8.count > 32 {
            throw fail(Message("grade code '{grade}' must be 1 to 32 printable ASCII characters (codes are recorded in the ledger; put names such as Vietnamese ones in grade_names)",
                               ["grade": .text(EntryValidator.printable(grade))]))
        }
        let gradeSet = Set(file.grades)
        guard !file.classGrades.isEmpty else { throw fail(Message("class_grades is empty")) }
        func unknownGrade(_ field: String, _ grade: String) -> GradingPolicyError {
            fail(Message("{field} names unknown grade '{grade}'", ["field": .text(field), "grade": .text(EntryValidator.printable(grade))]))
        }
        for (index, grade) in file.classGrades.enumerated() where !gradeSet.contains(grade) { throw unknownGrade("class_grades[\(index)]", grade) }
        for (index, rule) in file.lotRules.enumerated() {
            guard gradeSet.contains(rule.grade) else { throw unknownGrade("lot_rules[\(index)]", rule.grade) }
            guard (0...10_000).contains(rule.minAtOrAboveBP), (0...10_000).contains(rule.maxRejectBP) else {
                throw fail(Message("lot_rules[{index}]: basis points must be within 0...10000", ["index": .text(String(index))]))
            }
        }
        guard gradeSet.contains(file.otherwise) else { throw unknownGrade("otherwise", file.otherwise) }
        // Rules are tried in order and a lot that meets a better grade's rule also meets a worse
        // one's, so a rule listed after a worse grade's (or a better "otherwise") could never apply.
        let ranks = file.lotRules.map { file.grades.firstIndex(of: $0.grade)! }
        for index in ranks.indices.dropFirst() where ranks[index] < ranks[index - 1] {
            throw fail(Message("lot_rules[{index}] ({grade}) must come before lot_rules[{previous}] ({previous_grade}): rules go from the best grade to the worst, as grades lists them",
                               ["index": .text(String(index)), "grade": .text(file.lotRules[index].grade),
                                "previous": .text(String(index - 1)), "previous_grade": .text(file.lotRules[index - 1].grade)]))
        }
        if let worstRule = ranks.last, file.grades.firstIndex(of: file.otherwise)! < worstRule {
            throw fail(Message("otherwise ({grade}) must not be a better grade than a lot rule's (the last rule gives {rule_grade})",
                               ["grade": .text(file.otherwise), "rule_grade": .text(file.grades[worstRule])]))
        }
        func outside(_ field: String, _ range: ClosedRange<Int>) -> GradingPolicyError {
            fail(Message("{field} must be within {low}...{high}", ["field": .text(field), "low": .text(String(range.lowerBound)), "high": .text(String(range.upperBound))]))
        }
        guard (1...10_000).contains(file.reviewTargetAccuracyBP) else { throw outside("review_target_accuracy_bp", 1...10_000) }
        guard (0...10_000).contains(file.holdWhenLotConfidenceBelowBP) else { throw outside("hold_when_lot_confidence_below_bp", 0...10_000) }
        for (grade, names) in (file.gradeNames ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard gradeSet.contains(grade) else { throw unknownGrade("grade_names", grade) }
            for (language, text) in names.sorted(by: { $0.key < $1.key }) {
                guard (2...8).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw fail(Message("grade_names['{grade}']: '{language}' is not a language code such as \"vi\"",
                                       ["grade": .text(grade), "language": .text(Quoting.printable(language))]))
                }
                guard (1...64).contains(text.unicodeScalars.count),
                      !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || EntryValidator.isBidiControl($0) }) else {
                    throw fail(Message("grade_names['{grade}']['{language}'] must be 1 to 64 characters, without control or bidirectional-override characters",
                                       ["grade": .text(grade), "language": .text(language)]))
                }
            }
        }
        gradeNames = file.gradeNames ?? [:]
        name = file.name
        grades = file.grades
        classGrades = file.classGrades
        classGroups = file.classGrades.map { file.grades.firstIndex(of: $0)! }
        reviewTargetAccuracyBP = file.reviewTargetAccuracyBP
        lotRules = file.lotRules
        otherwise = file.otherwise
        holdWhenLotConfidenceBelowBP = file.holdWhenLotConfidenceBelowBP
        lotEstimator = estimator
        sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Refuses a model whose class count differs from the policy's class table.
    public func check(classCount: Int, modelName: String) throws {
        guard classCount == classGrades.count else {
            throw GradingPolicyError(file: name, Message("maps {classes} classes but model {model} has {count}",
                                                         ["classes": .text(String(classGrades.count)), "model": .text(modelName), "count": .text(String(classCount))]))
        }
    }

    public func grade(ofClass index: Int) -> String { classGrades[index] }


    /// Per-grade sums (policy grade order) of class probabilities given in basis points.
    public func gradeBasisPoints(_ classBasisPoints: [Int]) -> [Int] {
        var sums = [Int](repeating: 0, count: grades.count)
        for (index, bp) in classBasisPoints.enumerated() { sums[classGroups[index]] += bp }
        return sums
    }

    /// The model's review rule when it was chosen for this policy's grouping and target, else nil
    /// (then no photo can be decided without review: see `reviewProblem`).
    public func reviewRule(of calibration: ModelCalibration) -> ModelCalibration.ReviewRule? {
        guard let rule = calibration.review, rule.classGroups == classGroups, rule.targetBP == reviewTargetAccuracyBP else { return nil }
        return rule
    }

    /// Why `calibration` gives this policy no review rule, for people; nil when it does.
    public func reviewProblem(of calibration: ModelCalibration) -> String? {
        guard let rule = calibration.review else {
            return "the model has no review threshold chosen on validation photos (run `agritrace model calibrate`); every photo needs review and every lot is held"
        }
        if rule.classGroups != classGroups || rule.targetBP != reviewTargetAccuracyBP {
            return "the model's review threshold was chosen for another grouping or target (\(rule.targetBP) bp) than policy \(name)'s (\(reviewTargetAccuracyBP) bp); "
                + "re-run `agritrace model calibrate` with this policy; every photo needs review and every lot is held"
        }
        return nil
    }

    /// The lot grade from the number of readable photos per grade (keyed by grade name).
    public func lotGrade(counts: [String: Int]) -> String {
        grades[lotGradeIndex(amounts: grades.map { counts[$0, default: 0] }, total: counts.values.reduce(0, +))]
    }

    /// The first lot rule that amounts per grade index (photo counts, or summed basis points)
    /// out of `total` satisfy, compared exactly: amount/total >= bp/10000 cross-multiplied.
    func lotGradeIndex(amounts: [Int], total: Int) -> Int {
        let otherwiseIndex = grades.firstIndex(of: otherwise)!
        guard total > 0 else { return otherwiseIndex }
        let rejects = amounts[grades.count - 1]
        for rule in lotRules {
            let rank = grades.firstIndex(of: rule.grade)!
            let atOrAbove = amounts[...rank].reduce(0, +)
            if atOrAbove * 10_000 >= rule.minAtOrAboveBP * total && rejects * 10_000 <= rule.maxRejectBP * total {
                return rank
            }
        }
        return otherwiseIndex
    }

    /// The decoder's finding in words a policy's author can act on, in their language (the
    /// decoder's own text is English and names Swift types).
    private static func describe(_ error: DecodingError) -> Message {
        func path(_ context: DecodingError.Context) -> String {
            Quoting.printable(context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description)
        }
        func kind(_ type: Any.Type) -> Message {
            switch type {
            case is Int.Type: return Message("a whole number", context: "JSON value")
            case is String.Type: return Message("text in quotes", context: "JSON value")
            case is Bool.Type: return Message("true or false", context: "JSON value")
            case is [Any].Type, is [String].Type, is [GradingPolicy.LotRule].Type: return Message("a list [ ... ]", context: "JSON value")
            default: return Message("an object {{ ... }}", context: "JSON value")
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return at.isEmpty ? Message("missing key '{key}'", ["key": .text(Quoting.printable(key.stringValue))])
                : Message("{path}: missing key '{key}'", ["path": .text(at), "key": .text(Quoting.printable(key.stringValue))])
        case .typeMismatch(let type, let context):
            return Message("{path} must be {kind}", ["path": .text(path(context)), "kind": .message(kind(type))])
        case .valueNotFound(let type, let context):
            return Message("{path} is null; it must be {kind}", ["path": .text(path(context)), "kind": .message(kind(type))])
        case .dataCorrupted(let context):
            return Message("{path}: {detail}", ["path": .text(path(context)), "detail": .text(context.debugDescription)])
        @unknown default: return .verbatim("\(error)")
        }
    }
}

private struct PolicyFile: Decodable {
    let format: String
    let version: Int
    let name: String
    let grades: [String]
    let classGrades: [String]
    let reviewTargetAccuracyBP: Int
    let lotRules: [GradingPolicy.LotRule]
    let otherwise: String
    let holdWhenLotConfidenceBelowBP: Int
    let lotEstimator: String?
    let gradeNames: [String: [String: String]]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, version, name, grades
        case gradeNames = "grade_names"
        case classGrades = "class_grades"
        case reviewTargetAccuracyBP = "review_target_accuracy_bp"
        case lotRules = "lot_rules"
        case otherwise
        case holdWhenLotConfidenceBelowBP = "hold_when_lot_confidence_below_bp"
        case lotEstimator = "lot_estimator"
    }
}
