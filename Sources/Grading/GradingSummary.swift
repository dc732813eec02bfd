import Foundation

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
        /// For a lot recorded by an earlier run, the grade its recorded grading entry holds.
        public let grade: String?
        public let distribution: [GradeCount]
        public let needsReview: Int
        public let unreadable: Int
        public let held: Bool
        public let uploadDigest: String
        public let lotSeq: Int?
        public let gradingSeq: Int?
        /// With `refused`: why.
        public var refusal: String? = nil

        enum CodingKeys: String, CodingKey {
            case lot, status, photos, grade, distribution, held, refusal
            case farmID = "farm_id", originCode = "origin_code", needsReview = "needs_review"
            case unreadable, uploadDigest = "upload_digest", lotSeq = "lot_seq", gradingSeq = "grading_seq"
        }
    }

    public struct UnreadablePhoto: Sendable, Codable, Equatable {
        public let file: String
        public let lot: String
        public let reason: String
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

    /// True when nothing graded in this run needs a person's attention: every photo read, no
    /// newly recorded lot held for review (lots recorded by earlier runs were reported then) and
    /// no lot refused by the ledger.
    public var isClean: Bool {
        unreadable.isEmpty && !lots.contains { ($0.status == .recorded && $0.held) || $0.status == .refused }
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// A table for people: one line per lot, then unreadable photos and the ledger change.
    public var humanReport: String {
        var lines: [String] = []
        let recorded = lots.filter { $0.status == .recorded }
        let skipped = lots.filter { $0.status == .alreadyRecorded }.count
        lines.append("Upload \(upload): \(lots.count) lot\(lots.count == 1 ? "" : "s"), \(photosGraded) photo\(photosGraded == 1 ? "" : "s") graded in \(String(format: "%.2f", timings.gradeSeconds)) s (\(String(format: "%.1f", timings.photosPerSecond)) photos/s)")
        lines.append("Model \(model.prefix(16)), policy \(policy.prefix(16)), cooperative \(cooperative)")
        let grades = lots.first?.distribution.map(\.grade) ?? []
        var table: [[String]] = [["lot", "farm", "photos"] + grades + ["review", "unreadable", "lot grade", "ledger"]]
        for lot in lots {
            let counts = grades.map { grade in String(lot.distribution.first(where: { $0.grade == grade })?.count ?? 0) }
            let grade = lot.grade.map { lot.held ? "\($0) (held)" : $0 } ?? "-"
            let seqs = [lot.lotSeq, lot.gradingSeq].compactMap { $0 }.map { "#\($0)" }.joined(separator: ",")
            let ledger = lot.status == .recorded ? seqs : lot.status == .refused ? "refused" : "already recorded " + seqs
            table.append([lot.lot, lot.farmID, String(lot.photos)] + counts
                         + [String(lot.needsReview), String(lot.unreadable), grade, ledger])
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max()! }
        for row in table {
            lines.append(row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                // Text columns left-aligned, counts right-aligned.
                return (index < 2 || index >= row.count - 2) ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        if !unreadable.isEmpty {
            lines.append("Unreadable photos (recorded as rejected-unreadable):")
            for photo in unreadable { lines.append("  \(photo.file) (lot \(photo.lot)): \(photo.reason)") }
        }
        for lot in lots where lot.status == .refused {
            lines.append("Refused, nothing recorded for lot \(lot.lot): \(lot.refusal ?? "refused by the ledger")")
        }
        let held = lots.filter { $0.held && $0.status == .recorded }.map(\.lot)
        if !held.isEmpty { lines.append("Held for review: \(held.joined(separator: ", "))") }
        // "Nothing new" only when it is true: a refused lot was new, and is listed above.
        let refused = lots.contains { $0.status == .refused }
        if recorded.isEmpty && refused {
            lines.append("Nothing recorded: the ledger refused every new lot of this upload (listed above).")
        }
        if recorded.isEmpty && skipped > 0 && !refused {
            lines.append("Nothing new: every lot of this upload is already recorded in the ledger.")
        } else if skipped > 0 {
            lines.append("\(skipped) lot\(skipped == 1 ? " was" : "s were") already recorded and skipped.")
        }
        lines.append("Ledger: \(ledger.entriesWritten) entr\(ledger.entriesWritten == 1 ? "y" : "ies") written (\(ledger.originsRegistered) origin\(ledger.originsRegistered == 1 ? "" : "s") registered), tree size \(ledger.treeSize).")
        return lines.joined(separator: "\n") + "\n"
    }
}
