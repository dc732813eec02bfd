import Provenance

/// What batch grading needs from the ledger. `LedgerGradingStore` implements it over
/// `LedgerStore.Ledger`; keeping the pipeline behind this small surface keeps it testable alone.
public protocol GradingLedger: AnyObject {
    /// The cooperative id used when `--cooperative` is not given.
    func configuredCooperative() throws -> String?
    /// The registered origin record of `code`, if any.
    func originRegistration(_ code: String) throws -> OriginRecord?
    /// Appends one `origin` entry per record in one transaction, skipping codes registered
    /// meanwhile (by a concurrent run). Returns the number appended.
    func register(origins: [OriginRecord]) throws -> Int
    /// Whether a `lot` entry with this lot code exists.
    func isLotRecorded(_ lotCode: String) throws -> Bool
    /// The lot and grading entries recorded with this lot code and upload digest, if any.
    func recordedUpload(lotCode: String, uploadDigest: String) throws -> RecordedUpload?
    /// Appends the lot entry and its grading entry in one transaction, unless entries with the
    /// same lot code and upload digest exist (checked inside that transaction).
    func append(lot: LotRecord, grading: GradingRecord) throws -> LotAppendOutcome
    func treeSize() throws -> Int
}

public enum LotAppendOutcome: Sendable, Equatable {
    /// Sequence numbers of the new lot and grading entries.
    case appended(lotSeq: Int, gradingSeq: Int)
    case alreadyRecorded
}

/// A lot recorded by an earlier run of the same upload, and where it stands now.
public struct RecordedUpload: Sendable, Equatable {
    public let lotSeq: Int?
    public let gradingSeq: Int
    public let grading: GradingRecord
    /// The lot's grade and hold now: its latest grading with corrections applied (`CurrentGrading`).
    public let currentGrade: String
    public let currentlyHeld: Bool
    /// A correction has set the lot grade (a person decided).
    public let decided: Bool

    /// Without `current`, the lot stands as `grading` recorded it.
    public init(lotSeq: Int?, gradingSeq: Int, grading: GradingRecord, current: CurrentGrading? = nil) {
        self.lotSeq = lotSeq
        self.gradingSeq = gradingSeq
        self.grading = grading
        currentGrade = current?.grade ?? grading.lotGrade
        currentlyHeld = current?.isHeld ?? grading.held
        decided = current?.decision != nil
    }
}
