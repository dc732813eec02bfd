/// A grading of a lot (`grading` entry): photos, model and policy used, and the lot grade.
public struct GradingRecord: Sendable {
    public let entry: RecordedEntry

    public init?(_ entry: RecordedEntry) {
        guard entry.type == "grading" else { return nil }
        self.entry = entry
    }

    public var lotCode: String { entry.string("lot_code", "lot") ?? "?" }
    public var originCode: String? { entry.string("origin_code") }
    public var modelID: String? { entry.string("model", "model_sha256") }
    public var policyID: String? { entry.string("policy", "policy_sha256") }
    public var lotGrade: String { entry.string("lot_grade", "grade") ?? "?" }

    private var images: [JSONValue] { entry.body["images"]?.arrayValue ?? [] }
    public var photoCount: Int { entry.int("photo_count") ?? images.count }
    public var unreadableCount: Int {
        images.filter { $0["status"]?.stringValue == "unreadable" }.count
    }
    public var needsReviewCount: Int { entry.int("needs_review", "needs_review_count") ?? 0 }

    /// Photos per commercial grade, in the order recorded (or by name when recorded as an object).
    public var distribution: [(grade: String, count: Int)] {
        switch entry.body["distribution"] {
        case .object(let members)?:
            return members.compactMap { name, value in value.intValue.map { (name, $0) } }
        case .array(let items)?:
            return items.compactMap { item in
                guard let grade = item["grade"]?.stringValue, let count = item["count"]?.intValue else { return nil }
                return (grade, count)
            }
        default:
            var counts: [String: Int] = [:]
            var order: [String] = []
            for image in images {
                guard let grade = image["grade"]?.stringValue else { continue }
                if counts[grade] == nil { order.append(grade) }
                counts[grade, default: 0] += 1
            }
            return order.map { ($0, counts[$0]!) }
        }
    }

    /// Grades that do not conform to a sale grade. A lot graded "Reject", or held for review
    /// by the policy, is non-conformant for EPCIS and flagged in reports.
    public static let nonConformingGrades: Set<String> = ["reject", "rejected", "review", "needs review", "needs_review", "held"]

    public var isConformant: Bool { !Self.nonConformingGrades.contains(lotGrade.lowercased()) }

    /// "Premium 6, Grade I 2"
    public var distributionText: String {
        let parts = distribution.filter { $0.count > 0 }.map { "\($0.grade) \($0.count)" }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
