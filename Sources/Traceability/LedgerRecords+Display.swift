import Foundation
import LedgerStore
import Localization
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
    public func holdExplanation(_ p: Presentation = .english) -> String? {
        guard held else { return nil }
        let readable = images.count - unreadableCount
        switch holdReason {
        case .photosNeedReview?:
            return p(Message("{needing} of {n} readable photo need review (the model was unsure of them), more than the grading policy allows",
                             plural: "{needing} of {n} readable photos need review (the model was unsure of them), more than the grading policy allows",
                             count: readable, ["needing": .integer(needsReview)]))
        case .noReadablePhotos?:
            return p(Message("none of its {n} photo could be read", plural: "none of its {n} photos could be read", count: images.count))
        case .lotGradeUncertain?:
            guard let confidence = lotConfidenceBP else {
                return p(Message("the grading was less sure of the lot's grade than the grading policy requires"))
            }
            return p(Message("the grading was only {confidence} sure of the lot's grade, less than the grading policy requires",
                             // Whole percent rounded down: 5,999 bp under a 6,000 bp limit must not read "60 %".
                             ["confidence": .percent(Double(confidence / 100) / 100, digits: 0)]))
        case .modelNotCalibrated?:
            return p(Message("the model had no review threshold chosen for the grading policy, so every photo needs review"))
        case .unreadablePhotos?:
            return p(Message("{unreadable} of its {n} photo could not be read, so its grade speaks for the readable ones only",
                             plural: "{unreadable} of its {n} photos could not be read, so its grade speaks for the readable ones only",
                             count: images.count, ["unreadable": .integer(unreadableCount)]))
        case .repeatedPhotos?:
            return p(Message("{repeated} of its {n} photo repeat another photo of the lot (the same content under another name)",
                             plural: "{repeated} of its {n} photos repeat another photo of the lot (the same content under another name)",
                             count: images.count, ["repeated": .integer(repeatedCount)]))
        case nil:
            return p(Message("{needing} of {n} readable photo need review (the grading entry predates recorded reasons)",
                             plural: "{needing} of {n} readable photos need review (the grading entry predates recorded reasons)",
                             count: readable, ["needing": .integer(needsReview)]))
        }
    }

    /// Graded photos whose content (SHA-256) an earlier photo of the lot already had.
    public var repeatedCount: Int {
        var seen = Set<String>()
        return images.filter { if case .graded(let photo) = $0 { return !seen.insert(photo.sha256).inserted }; return false }.count
    }

    public var unreadableCount: Int {
        images.filter { if case .unreadable = $0 { return true }; return false }.count
    }

    /// Photos per model class, "class 0: 3, class 1: 2" (unreadable photos have no class).
    public func classDistributionText(_ p: Presentation = .english) -> String {
        var counts: [Int: Int] = [:]
        for case .graded(let photo) in images { counts[photo.classIndex, default: 0] += 1 }
        let parts = counts.keys.sorted().map {
            p(Message("class {index}: {count}", ["index": .text(String($0)), "count": .integer(counts[$0]!)]))
        }
        return parts.isEmpty ? p(Message("none", context: "no photos")) : parts.joined(separator: ", ")
    }

    /// Photos per grade in display order, zero counts left out: "Premium 6, Grade I 2".
    public func distributionText(_ p: Presentation = .english) -> String {
        let parts = GradePalette.ordered(distribution.keys).compactMap { grade in
            distribution[grade].flatMap { $0 > 0 ? "\(p.grade(grade)) \(p.localizer.number($0))" : nil }
        }
        return parts.isEmpty ? p(Message("none", context: "no photos")) : parts.joined(separator: ", ")
    }
}

extension CorrectionRecord {
    /// " by Trần Văn Nam: reason", or ": reason" when no reviewer is named; follows "correction #7".
    public func attributedReason(_ p: Presentation = .english) -> String {
        // `review --accept` records a fixed English reason (ledger data stays English); it is shown
        // in the reader's language like any text of the program's own.
        let reason = reason == LotReview.acceptedReason ? p(Message("reviewed: the suggested grade is confirmed")) : reason
        guard let reviewer else { return ": " + reason }
        return p(Message(" by {reviewer}: {reason}", ["reviewer": .text(reviewer), "reason": .text(reason)]))
    }

    /// The corrected values in words, "lot grade changed to Grade II" (grade names, days and
    /// field names in the language of `p`); a field without a name for people keeps its JSON name.
    public func changesText(_ p: Presentation = .english) -> String {
        changes.keys.sorted().map { key in
            let value = OrderedJSON(changes[key]!)
            var text: String
            switch value {
            case .string(let s): text = s
            case .int(let i): text = p.localizer.number(i)
            default: text = value.rendered().replacingOccurrences(of: "\n", with: " ")
            }
            if key == "lot_grade" { text = p.grade(text) }
            if key == "harvest_date" { text = p.localizer.day(text) }
            let field: Message = switch key {
            case "lot_grade": Message("lot grade", context: "corrected field")
            case "origin_code": Message("origin code", context: "corrected field")
            case "farm_id": Message("farm", context: "corrected field")
            case "farm_name": Message("farm name", context: "corrected field")
            case "crop": Message("crop", context: "corrected field")
            case "harvest_date": Message("harvest date", context: "corrected field")
            case "quantity_g": Message("quantity (g)", context: "corrected field")
            case "gtin": Message("GTIN", context: "corrected field")
            case "cooperative": Message("cooperative", context: "corrected field")
            case "commune": Message("commune", context: "corrected field")
            case "district": Message("district", context: "corrected field")
            case "province": Message("province", context: "corrected field")
            default: .verbatim(key)
            }
            return p(Message("{field} changed to {value}", ["field": .message(field), "value": .text(text)]))
        }.joined(separator: ", ")
    }
}
