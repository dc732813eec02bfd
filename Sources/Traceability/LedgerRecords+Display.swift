import Foundation
import LedgerStore
import Provenance

extension OriginRecord {
    /// "Tân Thành, Lai Vung" from whichever parts are recorded.
    public var location: String? {
        let parts = [commune, district, province].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// "F-LV-014 (Nguyễn Văn Ba)".
    public var farmDescription: String { farmName.map { "\(farmID) (\($0))" } ?? farmID }
}

extension LotRecord {
    /// The GS1 Digital Link recorded with the lot, or the documented fallback URI without a GTIN.
    public var identifier: LotIdentifier { LotIdentifier(lot: lotCode, gtin: gtin) }

    /// Exact kilograms as decimal text ("850", "850.25"); the ledger stores integer grams.
    public var quantityKilogramsText: String? {
        quantityGrams.map { grams in
            let whole = grams / 1000, fraction = grams % 1000
            guard fraction != 0 else { return String(whole) }
            var digits = String(fraction).leftPadded(to: 3)
            while digits.hasSuffix("0") { digits.removeLast() }
            return "\(whole).\(digits)"
        }
    }
}

extension GradingRecord {
    /// Lot grades that are not a sale grade whether or not the lot is held.
    public static let rejectGrades: Set<String> = ["reject", "rejected"]

    /// Not rejected and not held for review after `corrections` of this grading: non-conformant
    /// for EPCIS and flagged in reports otherwise.
    public func isConformant(correctedBy corrections: [CorrectionRecord]) -> Bool {
        !Self.rejectGrades.contains(lotGrade(correctedBy: corrections).lowercased()) && !isHeld(correctedBy: corrections)
    }

    /// Why the policy held the lot, in words from the entry's own counts; nil when not held.
    public var holdExplanation: String? {
        guard held else { return nil }
        let readable = images.count - unreadableCount
        switch holdReason {
        case .photosNeedReview?:
            return "\(needsReview) of \(readable) readable photo\(readable == 1 ? "" : "s") need review (the model was unsure of them), more than the grading policy allows"
        case .noReadablePhotos?:
            return "none of its \(images.count) photo\(images.count == 1 ? "" : "s") could be read"
        case .lotGradeUncertain?:
            return "the grading was less sure of the lot's grade than the grading policy requires"
        case .modelNotCalibrated?:
            return "the model had no review threshold chosen for the grading policy, so every photo needs review"
        case nil:
            return "\(needsReview) of \(readable) readable photo\(readable == 1 ? "" : "s") need review (the grading entry predates recorded reasons)"
        }
    }

    public var unreadableCount: Int {
        images.filter { if case .unreadable = $0 { return true }; return false }.count
    }

    /// Photos per model class, "class 0: 3, class 1: 2" (unreadable photos have no class).
    public var classDistributionText: String {
        var counts: [Int: Int] = [:]
        for case .graded(let photo) in images { counts[photo.classIndex, default: 0] += 1 }
        let parts = counts.keys.sorted().map { "class \($0): \(counts[$0]!)" }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// Photos per grade in display order, zero counts left out: "Premium 6, Grade I 2".
    public var distributionText: String {
        let parts = GradePalette.ordered(distribution.keys).compactMap { grade in
            distribution[grade].flatMap { $0 > 0 ? "\(grade) \($0)" : nil }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

extension CorrectionRecord {
    /// " by Trần Văn Nam: reason", or ": reason" when no reviewer is named; follows "correction #7".
    public var attributedReason: String { (reviewer.map { " by \($0)" } ?? "") + ": " + reason }

    /// The corrected values as "field = value" text.
    public var changesText: String {
        changes.keys.sorted().map { key in
            let value = OrderedJSON(changes[key]!)
            let text: String
            switch value {
            case .string(let s): text = s
            case .int(let i): text = String(i)
            default: text = value.rendered().replacingOccurrences(of: "\n", with: " ")
            }
            return "\(key) = \(text)"
        }.joined(separator: ", ")
    }
}
