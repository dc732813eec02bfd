import LedgerStore
import Localization
import Provenance

/// The facts an inspector's report shows, derived from a ledger snapshot and its verification.
/// Rendering lives in `AuditReportRenderer`; this type only gathers and groups.
public struct AuditReport: Sendable {
    /// One lot with its latest grading (a re-grading supersedes earlier ones for the lot's status).
    public struct LotStatus: Sendable {
        public let lot: Recorded<LotRecord>
        public let latestGrading: Recorded<GradingRecord>?
        public let corrections: [Recorded<CorrectionRecord>]
        /// The lot's state now (`LotState`); nil when its entries do not form one lot's record
        /// (the verification above says why).
        public let state: LotState?

        /// The lot grade now, as the report shows and counts it: "Held for review" while held,
        /// else the latest grading's grade with corrections applied.
        public var currentGrade: String? {
            guard let state, let grade = state.currentGrade else { return latestGrading?.record.lotGrade }
            return state.isHeld ? AuditReport.heldGrade : grade
        }

        /// Why an inspector should look at this lot, empty when nothing stands out.
        public func reviewReasons(_ p: Presentation = .english) -> [String] {
            guard let grading = latestGrading?.record else { return [p(Message("never graded"))] }
            var reasons: [String] = []
            if grading.needsReview > 0 {
                reasons.append(p(Message("{n} photo below the confidence threshold", plural: "{n} photos below the confidence threshold",
                                         count: grading.needsReview)))
            }
            if grading.unreadableCount > 0 {
                reasons.append(p(Message("{n} unreadable photo", plural: "{n} unreadable photos", count: grading.unreadableCount)))
            }
            guard let state, let current = state.current else {
                reasons.append(p(Message("its entries do not form one lot's record")))
                return reasons
            }
            if state.isHeld {
                let why = grading.holdExplanation(p) ?? p(Message("the grading names a hold"))
                reasons.append(p(Message("held for review: {why}; suggested {grade}", ["why": .text(why), "grade": .text(p.grade(grading.lotGrade))])))
            } else if let decision = current.decision {
                let arguments: [String: MessageArgument] = ["seq": .text(String(decision.entry.seq)), "grade": .text(p.grade(grading.lotGrade)),
                                                            "reviewer": .text(decision.record.reviewer ?? "")]
                switch (decision.record.reviewer != nil, grading.held) {
                case (true, true):
                    reasons.append(p(Message("grade decided by review (correction #{seq} by {reviewer}); the grading said {grade}, held for review", arguments)))
                case (true, false):
                    reasons.append(p(Message("grade decided by review (correction #{seq} by {reviewer}); the grading said {grade}", arguments)))
                case (false, true):
                    reasons.append(p(Message("grade decided by review (correction #{seq}); the grading said {grade}, held for review", arguments)))
                case (false, false):
                    reasons.append(p(Message("grade decided by review (correction #{seq}); the grading said {grade}", arguments)))
                }
            }
            if !state.isHeld, !grading.isConformant(correctedBy: current.corrections) {
                reasons.append(p(Message("lot grade {grade}", ["grade": .text(p.grade(current.grade))])))
            }
            if !corrections.isEmpty { reasons.append(p(Message("{n} correction", plural: "{n} corrections", count: corrections.count))) }
            return reasons
        }
    }

    /// Photo and lot counts per grade for one origin code or farm.
    public struct GroupDistribution: Sendable {
        public let key: String
        public let label: String?
        public let lotCount: Int
        public let lotsByGrade: [String: Int]
        public let photosByGrade: [String: Int]
    }

    /// The lots a model or policy graded.
    public struct UsageRow: Sendable {
        public let id: String
        public let lotCodes: [String]
        public let gradingCount: Int
        public let firstUsed: String
        public let lastUsed: String
    }

    public let ledgerName: String
    public let generatedAt: String
    public let ledger: LedgerSnapshot
    public let verification: VerificationOutcome
    public let lots: [LotStatus]

    /// How a held lot is counted in the grade charts: not under any grade.
    public static let heldGrade = "Held for review"
    /// How a lot without any grading is counted in the over-time chart.
    public static let notGraded = "Not graded"

    public init(ledgerName: String, generatedAt: String, ledger: LedgerSnapshot, verification: VerificationOutcome) {
        self.ledgerName = ledgerName
        self.generatedAt = generatedAt
        self.ledger = ledger
        self.verification = verification
        lots = ledger.lots.map { lot in
            let gradings = ledger.gradings(lotCode: lot.record.lotCode)
            let related = Set([lot.seq] + gradings.map(\.seq))
            return LotStatus(lot: lot, latestGrading: gradings.last, corrections: ledger.corrections(of: related),
                             state: try? ledger.lotState(code: lot.record.lotCode))
        }
    }

    public var lotsNeedingReview: [LotStatus] { lots.filter { !$0.reviewReasons().isEmpty } }

    /// Every grade that appears in a lot grade now or a photo distribution, in display order.
    public var grades: [String] {
        GradePalette.ordered(ledger.gradings.flatMap { $0.record.distribution.keys } + lots.compactMap(\.currentGrade))
    }

    /// Lots per (harvest date, lot grade now), for the over-time chart.
    public var lotsByHarvestDate: [(date: String, counts: [String: Int])] {
        var byDate: [String: [String: Int]] = [:]
        for status in lots {
            let date = status.lot.record.harvestDate
            let grade = status.currentGrade ?? Self.notGraded
            byDate[date, default: [:]][grade, default: 0] += 1
        }
        return byDate.keys.sorted().map { ($0, byDate[$0]!) }
    }

    public func distribution(by key: (LotRecord) -> String, label: (String) -> String?) -> [GroupDistribution] {
        var groups: [String: [LotStatus]] = [:]
        for status in lots { groups[key(status.lot.record), default: []].append(status) }
        return groups.keys.sorted().map { groupKey in
            var lotsByGrade: [String: Int] = [:], photosByGrade: [String: Int] = [:]
            for status in groups[groupKey]! {
                guard let grading = status.latestGrading?.record, let grade = status.currentGrade else { continue }
                lotsByGrade[grade, default: 0] += 1
                for (grade, count) in grading.distribution { photosByGrade[grade, default: 0] += count }
            }
            return GroupDistribution(key: groupKey, label: label(groupKey), lotCount: groups[groupKey]!.count,
                                     lotsByGrade: lotsByGrade, photosByGrade: photosByGrade)
        }
    }

    public var distributionByOrigin: [GroupDistribution] {
        distribution(by: \.originCode) { code in
            guard let origin = ledger.origin(code: code)?.record else { return nil }
            return [origin.farmDescription, origin.location].compactMap { $0 }.joined(separator: " · ")
        }
    }

    public var distributionByFarm: [GroupDistribution] {
        distribution(by: \.farmID) { id in ledger.origins.first { $0.record.farmID == id }?.record.farmName }
    }

    public var modelUsage: [UsageRow] { usage(of: \.model) }
    public var policyUsage: [UsageRow] { usage(of: \.policy) }

    private func usage(of id: (GradingRecord) -> String) -> [UsageRow] {
        var rows: [String: [Recorded<GradingRecord>]] = [:]
        var order: [String] = []
        for grading in ledger.gradings {
            let key = id(grading.record)
            if rows[key] == nil { order.append(key) }
            rows[key, default: []].append(grading)
        }
        return order.map { key in
            let gradings = rows[key]!
            var seen = Set<String>()
            return UsageRow(id: key, lotCodes: gradings.map(\.record.lotCode).filter { seen.insert($0).inserted },
                            gradingCount: gradings.count, firstUsed: gradings.first!.recordedAt,
                            lastUsed: gradings.last!.recordedAt)
        }
    }
}
