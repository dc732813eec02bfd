import Imaging
import LedgerStore
import Localization
import Provenance

extension LotReview {
    /// What a reviewer needs to decide one lot: its state, where it comes from, and each photo's
    /// grade and confidence (the model's top probability) as the grading entry recorded them.
    public static func text(of state: LotState, _ p: Presentation = .english) -> String {
        let lot = state.lot
        var out = p(Message("Lot {lot}: {status}", ["lot": .text(lot.lotCode), "status": .text(state.statusText(p))])) + "\n"
        out += "  " + p(Message("farm {farm}, origin {origin}, {crop} harvested {day}", [
            "farm": .text(state.origin.farmDescription), "origin": .text(lot.originCode), "crop": .text(lot.crop), "day": .day(lot.harvestDate)])) + "\n"
        guard let grading = state.current?.grading else { return out }
        out += "  " + p(Message("photos ({distribution}): file, grade, confidence (the model's top probability); \"needs review\" means the probability of the photo's grade (all classes that grade covers) is below the policy's threshold",
                                ["distribution": .text(grading.distributionText(p))])) + "\n"
        let width = grading.images.map(\.file.count).max() ?? 0
        let gradeWidth = grading.images.map { if case .graded(let photo) = $0 { return p.grade(photo.grade).count } else { return 0 } }.max() ?? 0
        func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        let needsReview = p(Message("needs review", context: "photo"))
        for image in grading.images {
            let file = padded(image.file, width)
            switch image {
            case .graded(let photo):
                let confidence = photo.scoresBasisPoints.indices.contains(photo.classIndex)
                    ? p.localizer.decimal(Double(photo.scoresBasisPoints[photo.classIndex]) / 100, digits: 2) + " %" : "?"
                let flag = photo.needsReview ? "  " + needsReview : ""
                out += "    \(file)  \(padded(p.grade(photo.grade), gradeWidth))  \(String(repeating: " ", count: max(0, 8 - confidence.count)))\(confidence)\(flag)\n"
            case .unreadable(_, _, let reason):
                // The grading entry's recorded reason, in the reader's language where it is a known one.
                out += "    \(file)  " + p(Message("unreadable: {reason}", ["reason": .message(ImageDecodingError.recordedReason(reason))])) + "\n"
            }
        }
        // Codes are what --grade takes; the names say what they mean in the reader's language.
        let choices = grades(of: state).map { code in p.grade(code) == code ? code : "\(code) (\(p.grade(code)))" }
        out += "  " + p(Message("grades to choose from: {grades}", ["grades": .text(choices.joined(separator: ", "))])) + "\n"
        return out
    }

    /// The held lots, or a line saying there are none.
    public static func text(ofHeld held: [LotState], _ p: Presentation = .english) -> String {
        guard !held.isEmpty else { return p(Message("No lot is held for review.")) + "\n" }
        var out = held.map { text(of: $0, p) }.joined(separator: "\n")
        out += "\n" + p(Message("{n} lot is held for review.", plural: "{n} lots are held for review.", count: held.count)) + " "
        out += p(Message("Decide one with `agritrace review LOT --accept` (confirm the suggested grade) or `agritrace review LOT --grade G --reason TEXT`.")) + "\n"
        return out
    }
}
