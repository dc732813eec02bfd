/// How a model's outputs become calibrated probabilities, and the review rule chosen for those
/// probabilities on validation data. Both belong to one model (another model's probabilities mean
/// something else), so they are stored in its `.agmodel` file, as reserved metadata keys that are
/// validated like every other field (README: "Calibration"). Files without the keys are
/// uncalibrated: temperature 1 and no review rule.
public struct ModelCalibration: Sendable, Equatable {
    public static let temperatureKey = "calibration_temperature"
    public static let reviewClassGroupsKey = "review_class_groups"
    public static let reviewTargetKey = "review_target_bp"
    public static let reviewThresholdKey = "review_threshold_bp"
    public static let reservedKeys: Set<String> = [temperatureKey, reviewClassGroupsKey, reviewTargetKey, reviewThresholdKey]
    /// Model id of the model a calibration was fitted on, when it was copied from a model of the same
    /// recipe (a model trained on every photo leaves none to fit on). Provenance only: not read back.
    public static let copiedFromKey = "calibration_copied_from"
    /// Outside this range a fitted temperature means a broken fit or a broken file: at 20 any
    /// network's probabilities are close to uniform, at 0.05 its logits are sharpened twentyfold.
    public static let temperatureRange: ClosedRange<Float> = 0.05...20

    /// Which photos a person reviews: those whose calibrated probability of their grade (the sum
    /// over the grade's classes) is below `thresholdBP`, chosen on validation photos so that the
    /// others are in the right grade at least `targetBP` of the time.
    public struct ReviewRule: Sendable, Equatable {
        /// Group (grade) index of each class, 0-based, every group used: the grouping it was chosen for.
        public let classGroups: [Int]
        /// Required share of decided validation photos in the right group, in basis points.
        public let targetBP: Int
        /// Lowest grade probability, in basis points, of a photo decided without review.
        public let thresholdBP: Int

        public init(classGroups: [Int], targetBP: Int, thresholdBP: Int) {
            self.classGroups = classGroups
            self.targetBP = targetBP
            self.thresholdBP = thresholdBP
        }

        public var groupCount: Int { (classGroups.max() ?? -1) + 1 }

        /// Per-group sums of class probabilities given in basis points (exact integers, so the
        /// decision can be recomputed from the scores a ledger entry records).
        public func groupBasisPoints(_ classBasisPoints: [Int]) -> [Int] {
            var sums = [Int](repeating: 0, count: groupCount)
            for (index, bp) in classBasisPoints.enumerated() { sums[classGroups[index]] += bp }
            return sums
        }
    }

    public let temperature: Float
    public let review: ReviewRule?

    public static let uncalibrated = ModelCalibration(uncheckedTemperature: 1, review: nil)

    private init(uncheckedTemperature: Float, review: ReviewRule?) {
        temperature = uncheckedTemperature
        self.review = review
    }

    /// A calibration to store in a model of `classCount` classes; refused as the file reader
    /// would refuse it.
    public init(temperature: Float, review: ReviewRule?, classCount: Int) throws {
        self.init(uncheckedTemperature: temperature, review: review)
        _ = try ModelCalibration(metadata: metadata, classCount: classCount, file: "<model>")
    }

    /// Reads the reserved keys of `metadata`; every malformed value is a `ModelError` naming the file.
    public init(metadata: [String: String], classCount: Int, file: String) throws {
        func fail(_ reason: String) -> ModelError { ModelError(file: file, reason: reason) }
        var temperature: Float = 1
        if let text = metadata[Self.temperatureKey] {
            // Only Swift's shortest round-trip form: one spelling per value, so the file stays canonical.
            guard let value = Float(text), value.isFinite, String(describing: value) == text else {
                throw fail("metadata \(Self.temperatureKey) '\(text.prefix(40))' is not a finite number in shortest form (e.g. 1.25)")
            }
            guard Self.temperatureRange.contains(value) else {
                throw fail("metadata \(Self.temperatureKey) \(text) is outside \(Self.temperatureRange.lowerBound)...\(Self.temperatureRange.upperBound)")
            }
            temperature = value
        }
        let reviewKeys = [Self.reviewClassGroupsKey, Self.reviewTargetKey, Self.reviewThresholdKey]
        let present = reviewKeys.filter { metadata[$0] != nil }
        guard present.isEmpty || present.count == reviewKeys.count else {
            throw fail("metadata has \(present.joined(separator: ", ")) but not all of \(reviewKeys.joined(separator: ", "))")
        }
        var review: ReviewRule?
        if present.count == reviewKeys.count {
            func basisPoints(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
                let text = metadata[key]!
                guard let value = Int(text), String(value) == text, range.contains(value) else {
                    throw fail("metadata \(key) '\(text.prefix(40))' is not an integer in \(range.lowerBound)...\(range.upperBound)")
                }
                return value
            }
            let target = try basisPoints(Self.reviewTargetKey, 1...10_000)
            let threshold = try basisPoints(Self.reviewThresholdKey, 0...10_000)
            let text = metadata[Self.reviewClassGroupsKey]!
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let groups = parts.compactMap { part in Int(part).flatMap { String($0) == part && $0 >= 0 && $0 < classCount ? $0 : nil } }
            guard groups.count == parts.count, groups.count == classCount else {
                throw fail("metadata \(Self.reviewClassGroupsKey) '\(text.prefix(40))' must list one group number (0...\(classCount - 1)) per class, \(classCount) in all")
            }
            let used = Set(groups)
            guard used.count >= 2, used == Set(0..<used.count) else {
                throw fail("metadata \(Self.reviewClassGroupsKey) '\(text.prefix(40))' must use every group number from 0 up, at least two groups")
            }
            review = ReviewRule(classGroups: groups, targetBP: target, thresholdBP: threshold)
        }
        self.init(uncheckedTemperature: temperature, review: review)
    }

    /// The reserved metadata entries that store this calibration (none for `.uncalibrated`).
    public var metadata: [String: String] {
        var entries: [String: String] = [:]
        if temperature != 1 { entries[Self.temperatureKey] = String(describing: temperature) }
        if let review {
            entries[Self.reviewClassGroupsKey] = review.classGroups.map(String.init).joined(separator: ",")
            entries[Self.reviewTargetKey] = String(review.targetBP)
            entries[Self.reviewThresholdKey] = String(review.thresholdBP)
        }
        return entries
    }

    /// A probability as integer basis points, rounded (the ledger holds no fractions).
    public static func basisPoints(_ probability: Float) -> Int {
        Int((min(max(probability, 0), 1) * 10_000).rounded())
    }
}
