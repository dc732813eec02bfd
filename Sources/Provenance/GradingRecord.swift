import LedgerStore
import Localization

/// `grading` entry: the graded photos of one lot, the model and policy that graded them, and the
/// lot's resulting grade.
public struct GradingRecord: Sendable, Equatable {
    public var lotCode: String
    /// SHA-256 (hex) of the model file (= its model id).
    public var model: String
    /// SHA-256 (hex) of the grading policy file.
    public var policy: String
    /// Idempotency key (hex SHA-256 over the lot's manifest rows and photo hashes).
    public var uploadDigest: String?
    public var images: [GradedImage]
    public var lotGrade: String
    /// Photo count per commercial grade.
    public var distribution: [String: Int]
    public var needsReview: Int
    /// The grading policy held the lot for a person's review instead of releasing it at
    /// `lotGrade`. Stored as `"held": true` only; entries without the field (including every
    /// entry written before it existed) are not held.
    public var held: Bool
    /// Why the policy held the lot (`hold_reason`, only with `held`). Nil for a lot not held and
    /// for holds recorded before reasons were.
    public var holdReason: HoldReason?
    /// Which compiled build of the engine's kernels computed the probabilities (`kernels`: "generic",
    /// "avx2", "avx512"; a later build may add a name). Builds with fused multiply-add give identical
    /// scores; the portable build may differ in the last digit, and this says which one ran. Nil in
    /// entries written before it was recorded.
    public var kernels: String?
    /// The policy's confidence in `lotGrade`, in basis points (`lot_confidence_bp`, 0...10000): the
    /// share of its estimate that gave this grade. Nil when no photo was readable and in entries
    /// written before it was recorded; the policy file can recompute it from the photos' scores.
    public var lotConfidenceBP: Int?

    /// `holdReason` implies `held`.
    public init(lotCode: String, model: String, policy: String, uploadDigest: String?, images: [GradedImage],
                lotGrade: String, distribution: [String: Int], needsReview: Int, held: Bool = false, holdReason: HoldReason? = nil,
                kernels: String? = nil, lotConfidenceBP: Int? = nil) {
        self.lotCode = lotCode
        self.model = model
        self.policy = policy
        self.uploadDigest = uploadDigest
        self.images = images
        self.lotGrade = lotGrade
        self.distribution = distribution
        self.needsReview = needsReview
        self.held = held || holdReason != nil
        self.holdReason = holdReason
        self.kernels = kernels
        self.lotConfidenceBP = lotConfidenceBP
    }

    var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "lot_code": .string(lotCode), "model": .string(model), "policy": .string(policy),
            "images": .array(images.map(\.json)), "lot_grade": .string(lotGrade),
            "distribution": .object(distribution.mapValues { .integer(Int64($0)) }),
            "needs_review": .integer(Int64(needsReview)),
        ]
        fields["upload_digest"] = uploadDigest.map(JSONValue.string)
        if held { fields["held"] = .bool(true) }
        fields["hold_reason"] = holdReason.map { .string($0.rawValue) }
        fields["kernels"] = kernels.map(JSONValue.string)
        fields["lot_confidence_bp"] = lotConfidenceBP.map { .integer(Int64($0)) }
        return fields
    }

    init(reading reader: inout FieldReader) throws {
        lotCode = try reader.string("lot_code")
        try Identifiers.checkLotCode(lotCode, field: "lot_code")
        model = try reader.sha256Hex("model")
        policy = try reader.sha256Hex("policy")
        uploadDigest = try reader.optionalSHA256Hex("upload_digest")
        images = try reader.array("images").enumerated().map { index, value in
            guard let object = value.objectValue else { throw EntryError.wrongFieldType(field: "images[\(index)]", expected: Message("an object")) }
            return try GradedImage(object, path: "images[\(index)].", strict: reader.strict)
        }
        lotGrade = try reader.text("lot_grade")
        var distribution = [String: Int]()
        for (grade, count) in try reader.object("distribution") {
            guard let number = count.intValue, number >= 0 else {
                throw EntryError.wrongFieldType(field: "distribution.\(grade)", expected: Message("a non-negative integer"))
            }
            distribution[grade] = number
        }
        self.distribution = distribution
        needsReview = try reader.nonNegativeInteger("needs_review")
        let recordedHold = try reader.optionalBool("held")
        // One spelling of "not held": leaving the field out.
        if reader.strict, recordedHold == false { throw EntryError.notCanonical }
        held = recordedHold ?? false
        if let code = try reader.optionalString("hold_reason") {
            guard held else { throw EntryError.invalidField(field: "hold_reason", reason: Message("is recorded only with \"held\": true")) }
            guard let reason = HoldReason(rawValue: code) else {
                throw EntryError.invalidField(field: "hold_reason", reason: Message("'{code}' is not one of {codes}", ["code": .text("\(EntryValidator.printable(code))"), "codes": .text("\(HoldReason.codes)")]))
            }
            holdReason = reason
        } else {
            holdReason = nil
        }
        kernels = try reader.optionalString("kernels")
        if let kernels, !Self.isKernelBuildName(kernels) {
            throw EntryError.invalidField(field: "kernels",
                                          reason: Message("'{kernels}' is not a kernel build name (1 to 32 of a-z, 0-9, _)", ["kernels": .text("\(EntryValidator.printable(kernels))")]))
        }
        lotConfidenceBP = try reader.optionalInteger("lot_confidence_bp")
        if let confidence = lotConfidenceBP, !(0...10_000).contains(confidence) {
            throw EntryError.invalidField(field: "lot_confidence_bp", reason: Message("must be in 0...10000 (basis points)"))
        }
        // The hold and the numbers beside it tell one story, as the grader writes them: readers
        // would otherwise say "none of its photos could be read" beside graded photos, or "only
        // 100% sure, less than the policy requires".
        let readable = images.contains { if case .graded = $0 { return true } else { return false } }
        if lotConfidenceBP != nil, !readable {
            throw EntryError.invalidField(field: "lot_confidence_bp", reason: Message("is recorded only for a lot with a readable photo"))
        }
        if holdReason == .noReadablePhotos, readable {
            throw EntryError.invalidField(field: "hold_reason", reason: Message("no_readable_photos, but the lot has a readable photo"))
        }
        if holdReason == .lotGradeUncertain, lotConfidenceBP == 10_000 {
            throw EntryError.invalidField(field: "lot_confidence_bp", reason: Message("10000 (fully sure) cannot go with hold_reason lot_grade_uncertain"))
        }
    }

    /// A kernel build's name as recorded: short, lower-case ASCII, so any later build fits and
    /// nothing else does.
    public static func isKernelBuildName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (1...32).contains(bytes.count)
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}

/// One photo of a grading entry: graded, or unreadable (recorded with its content hash so the
/// rejection itself is provable).
public enum GradedImage: Sendable, Equatable {
    case graded(GradedPhoto)
    case unreadable(file: String, sha256: String, reason: String)

    public var file: String {
        switch self {
        case .graded(let photo): return photo.file
        case .unreadable(let file, _, _): return file
        }
    }

    public var sha256: String {
        switch self {
        case .graded(let photo): return photo.sha256
        case .unreadable(_, let sha256, _): return sha256
        }
    }

    var json: JSONValue {
        switch self {
        case .graded(let photo):
            var fields: [String: JSONValue] = [
                "file": .string(photo.file), "sha256": .string(photo.sha256), "class": .integer(Int64(photo.classIndex)),
                "scores_bp": .array(photo.scoresBasisPoints.map { .integer(Int64($0)) }), "grade": .string(photo.grade),
            ]
            fields["label"] = photo.label.map(JSONValue.string)
            if photo.needsReview { fields["needs_review"] = .bool(true) }
            return .object(fields)
        case .unreadable(let file, let sha256, let reason):
            return ["file": .string(file), "sha256": .string(sha256), "status": "unreadable", "reason": .string(reason)]
        }
    }

    init(_ members: [String: JSONValue], path: String, strict: Bool = false) throws {
        var reader = FieldReader(members, path: path, strict: strict)
        let file = try reader.text("file")
        let sha256 = try reader.sha256Hex("sha256")
        if let status = try reader.optionalString("status") {
            guard status == "unreadable" else {
                throw EntryError.invalidField(field: path + "status", reason: Message("only \"unreadable\" is allowed (graded photos carry no status)"))
            }
            self = .unreadable(file: file, sha256: sha256, reason: try reader.text("reason"))
        } else {
            let classIndex = try reader.nonNegativeInteger("class")
            let scores = try reader.array("scores_bp").enumerated().map { index, value in
                guard let score = value.intValue, (0...10_000).contains(score) else {
                    throw EntryError.wrongFieldType(field: "\(path)scores_bp[\(index)]", expected: Message("an integer in 0...10000"))
                }
                return score
            }
            let photo = GradedPhoto(file: file, sha256: sha256, classIndex: classIndex, label: try reader.optionalText("label"),
                                    scoresBasisPoints: scores, grade: try reader.text("grade"),
                                    needsReview: try reader.optionalBool("needs_review") ?? false)
            // Stored entries spell "not flagged" one way only: by leaving the field out.
            if strict, members["needs_review"] == .bool(false) { throw EntryError.notCanonical }
            self = .graded(photo)
        }
        try reader.finish()
    }
}

/// A photo the network graded.
public struct GradedPhoto: Sendable, Equatable {
    public var file: String
    public var sha256: String
    public var classIndex: Int
    public var label: String?
    /// Per-class probabilities in basis points (1/100 of a percent), in class order.
    public var scoresBasisPoints: [Int]
    public var grade: String
    public var needsReview: Bool

    public init(file: String, sha256: String, classIndex: Int, label: String? = nil, scoresBasisPoints: [Int],
                grade: String, needsReview: Bool = false) {
        self.file = file
        self.sha256 = sha256
        self.classIndex = classIndex
        self.label = label
        self.scoresBasisPoints = scoresBasisPoints
        self.grade = grade
        self.needsReview = needsReview
    }
}
