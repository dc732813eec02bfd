import LedgerStore
import Localization
import Provenance

/// One-line, plain-language descriptions of ledger entries, shared by `trace` and the audit report.
public enum EntrySummary {
    public static func describe(_ entry: LedgerEntry, _ p: Presentation = .english) -> String {
        let record: ProvenanceRecord
        do { record = try entry.record() } catch {
            return p(Message("unreadable {type} entry: {reason}", ["type": .text(entry.type), "reason": .text(p.describe(error))]))
        }
        switch record {
        case .origin(let origin):
            var parts = [p(Message("origin {code} registered", ["code": .text(origin.originCode)])),
                         p(Message("farm {farm}", ["farm": .text(origin.farmDescription)]))]
            if let location = origin.location { parts.append(location) }
            parts.append(p(Message("crop {crop}", ["crop": .text(origin.crop)])))
            return parts.joined(separator: "; ")
        case .lot(let lot):
            var parts = [p(Message("lot {code}", ["code": .text(lot.lotCode)])), p(Message("origin {code}", ["code": .text(lot.originCode)])),
                         p(Message("farm {farm}", ["farm": .text(lot.farmID)])),
                         p(Message("cooperative {cooperative}", ["cooperative": .text(lot.cooperative)])),
                         p(Message("crop {crop}", ["crop": .text(lot.crop)])), p(Message("harvested {day}", ["day": .day(lot.harvestDate)]))]
            if let grams = lot.quantityGrams { parts.append(p(Message("{kg} kg", ["kg": .decimal(Double(grams) / 1000, digits: Self.fractionDigits(grams))]))) }
            parts.append(lot.identifier.uri)
            return parts.joined(separator: "; ")
        case .grading(let grading):
            var photos = p(Message("{n} photo", plural: "{n} photos", count: grading.images.count))
            if grading.unreadableCount > 0 {
                photos += " (" + p(Message("{n} unreadable", plural: "{n} unreadable", count: grading.unreadableCount)) + ")"
            }
            var grade = p(Message("lot grade {grade}", ["grade": .text(p.grade(grading.lotGrade))]))
            if let why = grading.holdExplanation(p) {
                grade += ", " + p(Message("HELD FOR REVIEW by the grading policy: {why}", ["why": .text(why)]))
            }
            var parts = [p(Message("grading of lot {code}: {grade}", ["code": .text(grading.lotCode), "grade": .text(grade)])), photos,
                         p(Message("distribution {counts}", ["counts": .text(grading.distributionText(p))])),
                         p(Message("classes {counts}", ["counts": .text(grading.classDistributionText(p))]))]
            if grading.needsReview > 0 { parts.append(p(Message("{n} needs review", plural: "{n} need review", count: grading.needsReview))) }
            parts.append(p(Message("model {model}", ["model": .text(grading.model)])))
            parts.append(p(Message("policy {policy}", ["policy": .text(grading.policy)])))
            return parts.joined(separator: "; ")
        case .correction(let correction):
            return p(Message("correction of entry #{seq}{reason} ({changes})", [
                "seq": .text(String(correction.corrects)), "reason": .text(correction.attributedReason(p)), "changes": .text(correction.changesText(p))]))
        case .key(let key):
            return key.action == .add ? p(Message("signing key added: {key}", ["key": .text(key.vkey)]))
                : p(Message("signing key retired: {key}", ["key": .text(key.vkey)]))
        }
    }

    /// Digits that show a gram count as exact kilograms: 850000 → 0 ("850"), 850250 → 2 ("850.25").
    static func fractionDigits(_ grams: Int) -> Int {
        let fraction = grams % 1000
        return fraction == 0 ? 0 : fraction % 100 == 0 ? 1 : fraction % 10 == 0 ? 2 : 3
    }
}
