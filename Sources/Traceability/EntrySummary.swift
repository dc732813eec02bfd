/// One-line, plain-language descriptions of ledger entries, shared by `trace` and the audit report.
public enum EntrySummary {
    public static func describe(_ entry: RecordedEntry) -> String {
        if let origin = OriginRecord(entry) {
            var parts = ["origin \(origin.originCode) registered"]
            if let farm = origin.farmDescription { parts.append("farm \(farm)") }
            if let location = origin.location { parts.append(location) }
            if let crop = origin.crop { parts.append("crop \(crop)") }
            return parts.joined(separator: "; ")
        }
        if let lot = LotRecord(entry) {
            var parts = ["lot \(lot.lotCode)"]
            if let origin = lot.originCode { parts.append("origin \(origin)") }
            if let farm = lot.farmDescription { parts.append("farm \(farm)") }
            if let cooperative = lot.cooperative { parts.append("cooperative \(cooperative)") }
            if let crop = lot.crop { parts.append("crop \(crop)") }
            if let date = lot.harvestDate { parts.append("harvested \(date)") }
            if let kg = lot.quantityKilograms { parts.append("\(kg) kg") }
            parts.append(lot.identifier.uri)
            return parts.joined(separator: "; ")
        }
        if let grading = GradingRecord(entry) {
            var photos = "\(grading.photoCount) photos"
            if grading.unreadableCount > 0 { photos += " (\(grading.unreadableCount) unreadable)" }
            var parts = ["grading of lot \(grading.lotCode): lot grade \(grading.lotGrade)", photos,
                         "distribution \(grading.distributionText)"]
            if grading.needsReviewCount > 0 { parts.append("\(grading.needsReviewCount) need review") }
            parts.append("model \(grading.modelID ?? "?")")
            parts.append("policy \(grading.policyID ?? "?")")
            return parts.joined(separator: "; ")
        }
        if let correction = CorrectionRecord(entry) {
            var text = "correction of entry \(correction.correctedSeq.map(String.init) ?? "?"): \(correction.reason)"
            if let changes = correction.changesText { text += " (\(changes))" }
            return text
        }
        if entry.type == "key" {
            return "signing key \(entry.string("name", "key_name") ?? "") \(entry.string("action") ?? "added")"
        }
        return "\(entry.type) entry"
    }
}
