import Foundation
import Localization

/// The outcome of grading one upload: per-lot grades and counts, photos that failed, ledger
/// entries written, timings. `--json` prints it encoded; otherwise `humanReport` is printed.
public struct GradingSummary: Sendable, Codable, Equatable {
    public struct GradeCount: Sendable, Codable, Equatable {
        public let grade: String
        public let count: Int
    }

    public struct LotSummary: Sendable, Codable, Equatable {
        /// `refused`: graded, but the ledger's entry rules refused the lot's entries before
        /// signing (e.g. more photos than one entry may hold); nothing was recorded for it.
        public enum Status: String, Sendable, Codable { case recorded, alreadyRecorded = "already-recorded", refused }
        public let lot: String
        public let farmID: String
        public let originCode: String
        public let status: Status
        public let photos: Int
        /// For a lot recorded by an earlier run, its grade now: the latest grading with
        /// corrections applied.
        public let grade: String?
        public let distribution: [GradeCount]
        public let needsReview: Int
        public let unreadable: Int
        /// Held for review now (for a lot recorded earlier: unless a reviewer has decided it since).
        public let held: Bool
        public let uploadDigest: String
        public let lotSeq: Int?
        public let gradingSeq: Int?
        /// With `refused`: why (English, for the JSON).
        public var refusal: String? = nil
        /// With `refused`: why, for people; not in the JSON.
        public var refusalMessage: Message? = nil
        /// The probability, in basis points, that the lot's grade is right (`LotDecision.confidenceBP`),
        /// for lots graded by this run; nil for a lot an earlier run recorded (not graded again).
        public var lotConfidenceBP: Int? = nil
        /// The manifest's farm name, shown to people instead of the farm id; not in the JSON,
        /// which stays as it was (the id identifies the farm).
        public var farmName: String? = nil

        enum CodingKeys: String, CodingKey {
            case lot, status, photos, grade, distribution, held, refusal
            case farmID = "farm_id", originCode = "origin_code", needsReview = "needs_review"
            case unreadable, uploadDigest = "upload_digest", lotSeq = "lot_seq", gradingSeq = "grading_seq"
            case lotConfidenceBP = "lot_confidence_bp"
        }
    }

    public struct UnreadablePhoto: Sendable, Codable, Equatable {
        public let file: String
        public let lot: String
        /// In English, for the JSON.
        public let reason: String
        /// The reason for people, when known; not in the JSON.
        public var reasonMessage: Message? = nil

        enum CodingKeys: String, CodingKey { case file, lot, reason }
    }

    public struct Timings: Sendable, Codable, Equatable {
        public let validateSeconds: Double
        public let gradeSeconds: Double
        public let totalSeconds: Double
        public let photosPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case validateSeconds = "validate_seconds", gradeSeconds = "grade_seconds"
            case totalSeconds = "total_seconds", photosPerSecond = "photos_per_second"
        }
    }

    public struct LedgerChanges: Sendable, Codable, Equatable {
        public let entriesWritten: Int
        public let originsRegistered: Int
        public let treeSize: Int
        enum CodingKeys: String, CodingKey {
            case entriesWritten = "entries_written", originsRegistered = "origins_registered", treeSize = "tree_size"
        }
    }

    public let upload: String
    public let model: String
    public let policy: String
    public let cooperative: String
    public let lots: [LotSummary]
    public let photosGraded: Int
    public let unreadable: [UnreadablePhoto]
    public let ledger: LedgerChanges
    public let timings: Timings

    enum CodingKeys: String, CodingKey {
        case upload, model, policy, cooperative, lots, unreadable, ledger, timings
        case photosGraded = "photos_graded"
    }

    /// True when no lot of the upload needs a person's attention: none held for review now, none
    /// with unreadable photos, none refused by the ledger. Lots recorded by earlier runs count as
    /// they stand now, so a re-run exits as the first run did until a reviewer decides a lot.
    public var isClean: Bool {
        unreadable.isEmpty && !lots.contains { $0.held || $0.unreadable > 0 || $0.status == .refused }
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// A table for people: one line per lot, then unreadable photos and the ledger change, in
    /// `localizer`'s language; `gradeName` gives a grade's name for people (the policy's).
    public func humanReport(_ localizer: Localizer = .current, gradeName: (String) -> String = { $0 }) -> String {
        var lines: [String] = []
        let recorded = lots.filter { $0.status == .recorded }
        let skipped = lots.filter { $0.status == .alreadyRecorded }.count
        lines.append(localizer(Message("Upload {upload}: {lots}, {photos} graded in {seconds} s ({rate} photos/s)", [
            "upload": .text(upload),
            "lots": .message(Message("{n} lot", plural: "{n} lots", count: lots.count)),
            "photos": .message(Message("{n} photo", plural: "{n} photos", count: photosGraded)),
            "seconds": .decimal(timings.gradeSeconds, digits: 2), "rate": .decimal(timings.photosPerSecond, digits: 1)])))
        lines.append(localizer(Message("Model {model}, policy {policy}, cooperative {cooperative}", [
            "model": .text(String(model.prefix(16))), "policy": .text(String(policy.prefix(16))), "cooperative": .text(cooperative)])))
        let grades = lots.first?.distribution.map(\.grade) ?? []
        var table: [[String]] = [[localizer(Message("lot", context: "table heading")), localizer(Message("farm", context: "table heading")),
                                  localizer(Message("photos", context: "table heading"))] + grades.map(gradeName)
                                 + [localizer(Message("review", context: "table heading")), localizer(Message("unreadable", context: "table heading")),
                                    localizer(Message("lot grade", context: "table heading")), localizer(Message("ledger", context: "table heading"))]]
        for lot in lots {
            let counts = grades.map { grade in localizer.number(lot.distribution.first(where: { $0.grade == grade })?.count ?? 0) }
            let grade = lot.grade.map { lot.held ? localizer(Message("{grade} (held)", ["grade": .text(gradeName($0))])) : gradeName($0) } ?? "-"
            let seqs = [lot.lotSeq, lot.gradingSeq].compactMap { $0 }.map { "#\($0)" }.joined(separator: ",")
            let ledger = switch lot.status {
            case .recorded: seqs
            case .refused: localizer(Message("refused", context: "ledger column"))
            case .alreadyRecorded: localizer(Message("already recorded {entries}", ["entries": .text(seqs)]))
            }
            let farm = lot.farmName.map { $0.isEmpty ? lot.farmID : $0 } ?? lot.farmID
            table.append([lot.lot, farm, localizer.number(lot.photos)] + counts
                         + [localizer.number(lot.needsReview), localizer.number(lot.unreadable), grade, ledger])
        }
        // Widths in Characters: Vietnamese letters with stacked marks are one column each.
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max()! }
        for row in table {
            lines.append(row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                // Text columns left-aligned, counts right-aligned.
                return (index < 2 || index >= row.count - 2) ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        // The counts above are each photo's most likely grade; the lot grade is not their majority,
        // and a lot graded otherwise than its counts suggest needs saying why.
        if grades.count >= 2, lots.contains(where: { $0.grade != nil }) {
            lines.append(localizer(Message("Lot grade: the grading policy's lot rules applied to the photos' calibrated grade probabilities, not to the counts above (each photo's most likely grade).")))
        }
        if !unreadable.isEmpty {
            lines.append(localizer(Message("Unreadable photos (recorded as rejected-unreadable):")))
            for photo in unreadable {
                lines.append("  " + localizer(Message("{file} (lot {lot}): {reason}", ["file": .text(photo.file), "lot": .text(photo.lot),
                                                                                      "reason": photo.reasonMessage.map { .message($0) } ?? .text(photo.reason)])))
            }
        }
        for lot in lots where lot.status == .refused {
            lines.append(localizer(Message("Refused, nothing recorded for lot {lot}: {reason}", [
                "lot": .text(lot.lot), "reason": lot.refusalMessage.map { .message($0) } ?? lot.refusal.map { .text($0) } ?? .message(Message("refused by the ledger"))])))
        }
        let held = lots.filter { $0.held && $0.status != .refused }.map(\.lot)
        if !held.isEmpty {
            lines.append(localizer(Message("Held for review: {lots}", ["lots": .text(held.joined(separator: ", "))])))
            lines.append(localizer(Message("List them with `agritrace review`; decide each with `agritrace review LOT --accept` or `--grade G --reason TEXT`.")))
        }
        // "Nothing new" only when it is true: a refused lot was new, and is listed above.
        let refused = lots.contains { $0.status == .refused }
        if recorded.isEmpty && refused {
            lines.append(localizer(Message("Nothing recorded: the ledger refused every new lot of this upload (listed above).")))
        }
        if recorded.isEmpty && skipped > 0 && !refused {
            lines.append(localizer(Message("Nothing new: every lot of this upload is already recorded in the ledger.")))
        } else if skipped > 0 {
            lines.append(localizer(Message("{n} lot was already recorded and skipped.", plural: "{n} lots were already recorded and skipped.",
                                           count: skipped)))
        }
        lines.append(localizer(Message("Ledger: {entries} written ({origins} registered), tree size {size}.", [
            "entries": .message(Message("{n} entry", plural: "{n} entries", count: ledger.entriesWritten)),
            "origins": .message(Message("{n} origin", plural: "{n} origins", count: ledger.originsRegistered)),
            "size": .integer(ledger.treeSize)])))
        return lines.joined(separator: "\n") + "\n"
    }
}
