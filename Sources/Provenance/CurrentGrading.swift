import LedgerStore

/// A lot's grading now: its latest grading entry with that entry's corrections applied. The one
/// computation behind "held" and "grade" for every reader: `LotState` (label, verify-label,
/// trace, export, audit, review) and `grade`'s status when it meets a lot already recorded.
public struct CurrentGrading: Sendable {
    /// A correction of the grading entry, with the entry that carries it.
    public struct Amendment: Sendable {
        public let entry: LedgerEntry
        public let record: CorrectionRecord
    }

    public let gradingEntry: LedgerEntry
    public let grading: GradingRecord
    /// Corrections of `gradingEntry` (naming its seq and leaf hash), oldest first.
    public let amendments: [Amendment]

    /// From a lot's entries in any order (other types are ignored, as are entries the rules
    /// refuse: `verify` reports those). Nil when the entries hold no grading.
    public init?(lotEntries entries: [LedgerEntry]) {
        let sorted = entries.sorted { $0.seq < $1.seq }
        var latest: (LedgerEntry, GradingRecord)?
        for entry in sorted { if case .grading(let grading) = try? entry.record() { latest = (entry, grading) } }
        guard let (gradingEntry, grading) = latest else { return nil }
        self.gradingEntry = gradingEntry
        self.grading = grading
        amendments = sorted.compactMap { entry in
            guard case .correction(let correction) = try? entry.record(), correction.corrects == gradingEntry.seq,
                  correction.correctsLeafHash == gradingEntry.leafHash.hex else { return nil }
            return Amendment(entry: entry, record: correction)
        }
    }

    public var corrections: [CorrectionRecord] { amendments.map(\.record) }

    /// The lot grade with corrections applied (`GradingRecord.lotGrade(correctedBy:)`).
    public var grade: String { grading.lotGrade(correctedBy: corrections) }

    /// Held for review (`GradingRecord.isHeld(correctedBy:)`).
    public var isHeld: Bool { grading.isHeld(correctedBy: corrections) }

    /// The latest correction that set the lot grade: a person's decision, if any.
    public var decision: Amendment? { amendments.last { $0.record.changes["lot_grade"]?.stringValue != nil } }
}
