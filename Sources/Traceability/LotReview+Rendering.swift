import LedgerStore
import Provenance

extension LotReview {
    /// What a reviewer needs to decide one lot: its state, where it comes from, and each photo's
    /// grade and confidence (the model's top probability) as the grading entry recorded them.
    public static func text(of state: LotState) -> String {
        let lot = state.lot
        var out = "Lot \(lot.lotCode): \(state.statusText())\n"
        out += "  farm \(state.origin.farmDescription), origin \(lot.originCode), \(lot.crop) harvested \(lot.harvestDate)\n"
        guard let grading = state.current?.grading else { return out }
        out += "  photos (\(grading.distributionText())): file, grade, confidence (the model's top probability)\n"
        let width = grading.images.map(\.file.count).max() ?? 0
        let gradeWidth = grading.images.map { if case .graded(let photo) = $0 { return photo.grade.count } else { return 0 } }.max() ?? 0
        func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        for image in grading.images {
            let file = padded(image.file, width)
            switch image {
            case .graded(let photo):
                let confidence = photo.scoresBasisPoints.indices.contains(photo.classIndex) ? percent(photo.scoresBasisPoints[photo.classIndex]) : "?"
                let flag = photo.needsReview ? "  needs review" : ""
                out += "    \(file)  \(padded(photo.grade, gradeWidth))  \(String(repeating: " ", count: max(0, 8 - confidence.count)))\(confidence)\(flag)\n"
            case .unreadable(_, _, let reason):
                out += "    \(file)  unreadable: \(reason)\n"
            }
        }
        out += "  grades to choose from: \(grades(of: state).joined(separator: ", "))\n"
        return out
    }

    /// The held lots, or a line saying there are none.
    public static func text(ofHeld held: [LotState]) -> String {
        guard !held.isEmpty else { return "No lot is held for review.\n" }
        var out = held.map { text(of: $0) }.joined(separator: "\n")
        out += "\n\(held.count) lot\(held.count == 1 ? " is" : "s are") held for review. Decide one with "
        out += "`agritrace review LOT --accept` (confirm the suggested grade) or `agritrace review LOT --grade G --reason TEXT`.\n"
        return out
    }

    /// Basis points as a percentage with two decimals: 5831 -> "58.31 %".
    static func percent(_ basisPoints: Int) -> String {
        let fraction = String(basisPoints % 100)
        return "\(basisPoints / 100).\(fraction.count == 1 ? "0" + fraction : fraction) %"
    }
}
