/// What batch grading needs from the ledger. `LedgerGradingStore` implements it over
/// LedgerStore; keeping the pipeline behind this small surface keeps it testable on its own.
public protocol GradingLedger: AnyObject {
    /// The cooperative recorded in the ledger's configuration, if any.
    func configuredCooperative() throws -> String?
    func isOriginRegistered(_ code: String) throws -> Bool
    /// Appends one `origin` entry per record in one transaction; codes already registered
    /// (for example by a concurrent run) are skipped. Returns the number appended.
    func register(origins: [OriginRecord]) throws -> Int
    /// Whether any `lot` entry with this lot code exists.
    func isLotRecorded(_ lotCode: String) throws -> Bool
    /// Whether a grading of this lot with this upload digest exists.
    func isUploadRecorded(lotCode: String, uploadDigest: String) throws -> Bool
    /// Appends the lot entry and its grading entry in one transaction, unless a grading with the
    /// same lot code and upload digest is already recorded (checked inside that transaction).
    func append(lot: LotRecord, grading: GradingRecord) throws -> LotAppendOutcome
    func treeSize() throws -> Int
}

public enum LotAppendOutcome: Sendable, Equatable {
    /// Sequence numbers of the new lot and grading entries.
    case appended(lotSeq: Int, gradingSeq: Int)
    case alreadyRecorded
}

/// A growing area registered by `--register-origins`.
public struct OriginRecord: Sendable, Equatable {
    public let code: String
    public let farmID: String
    public let farmName: String
    public let commune: String
    public let district: String
    public let crop: String
}

/// The `lot` entry of one graded lot.
public struct LotRecord: Sendable, Equatable {
    public let lotCode: String
    public let originCode: String
    public let farmID: String
    public let cooperative: String
    public let crop: String
    public let harvestDate: String
    public let gtin: String?
    public let quantityGrams: Int?
    public let notes: [String]
}

/// The `grading` entry of one graded lot.
public struct GradingRecord: Sendable, Equatable {
    public struct Image: Sendable, Equatable {
        public let file: String
        /// Nil only when the photo could not even be read.
        public let sha256: String?
        public let outcome: Outcome
    }

    public enum Outcome: Sendable, Equatable {
        case graded(classIndex: Int, scoresBP: [Int], grade: String, needsReview: Bool)
        case unreadable(reason: String)
    }

    public let lotCode: String
    public let modelSHA256: String
    public let policySHA256: String
    public let uploadDigest: String
    public let images: [Image]
    public let lotGrade: String
    /// Readable photos per grade, in the policy's grade order (zeros included).
    public let distribution: [(grade: String, count: Int)]
    public let needsReview: Int
    public let unreadable: Int
    public let held: Bool

    public static func == (lhs: GradingRecord, rhs: GradingRecord) -> Bool {
        lhs.lotCode == rhs.lotCode && lhs.modelSHA256 == rhs.modelSHA256 && lhs.policySHA256 == rhs.policySHA256
            && lhs.uploadDigest == rhs.uploadDigest && lhs.images == rhs.images && lhs.lotGrade == rhs.lotGrade
            && lhs.distribution.elementsEqual(rhs.distribution, by: { $0 == $1 })
            && lhs.needsReview == rhs.needsReview && lhs.unreadable == rhs.unreadable && lhs.held == rhs.held
    }
}
