import LedgerStore
import Provenance

/// One-line, plain-language descriptions of ledger entries, shared by `trace` and the audit report.
public enum EntrySummary {
    public static func describe(_ entry: LedgerEntry) -> String {
        let record: ProvenanceRecord
        do { record = try entry.record() } catch { return "unreadable \(entry.type) entry: \(error)" }
        switch record {
        case .origin(let origin):
            var parts = ["origin \(origin.originCode) registered", "farm \(origin.farmDescription)"]
            if let location = origin.location { parts.append(location) }
            parts.append("crop \(origin.crop)")
            return parts.joined(separator: "; ")
        case .lot(let lot):
            var parts = ["lot \(lot.lotCode)", "origin \(lot.originCode)", "farm \(lot.farmID)",
                         "cooperative \(lot.cooperative)", "crop \(lot.crop)", "harvested \(lot.harvestDate)"]
            if let kg = lot.quantityKilogramsText { parts.append("\(kg) kg") }
            parts.append(lot.identifier.uri)
            return parts.joined(separator: "; ")
        case .grading(let grading):
            var photos = "\(grading.images.count) photos"
            if grading.unreadableCount > 0 { photos += " (\(grading.unreadableCount) unreadable)" }
            var grade = "lot grade \(grading.lotGrade)"
            if let why = grading.holdExplanation { grade += ", HELD FOR REVIEW by the grading policy: \(why)" }
            var parts = ["grading of lot \(grading.lotCode): \(grade)", photos,
                         "distribution \(grading.distributionText)", "classes \(grading.classDistributionText)"]
            if grading.needsReview > 0 { parts.append("\(grading.needsReview) need review") }
            parts.append("model \(grading.model)")
            parts.append("policy \(grading.policy)")
            return parts.joined(separator: "; ")
        case .correction(let correction):
            return "correction of entry #\(correction.corrects)\(correction.attributedReason) (\(correction.changesText))"
        case .key(let key):
            return "signing key \(key.action == .add ? "added" : "retired"): \(key.vkey)"
        }
    }
}
