import LedgerStore
import MerkleLog

extension Ledger {
    /// Opens a provenance ledger (entries follow `ProvenanceRules`).
    public convenience init(provenanceAt path: String, clock: LedgerClock = .system, readOnly: Bool = false) throws {
        try self.init(path: path, rules: ProvenanceRules(), clock: clock, readOnly: readOnly)
    }

    /// Creates a provenance ledger whose first entry registers `signer`.
    @discardableResult
    public static func createProvenance(at path: String, origin: String? = nil, signer: NoteSigner,
                                        clock: LedgerClock = .system) throws -> Ledger {
        try create(at: path, origin: origin, signer: signer, rules: ProvenanceRules(), clock: clock)
    }

    /// Appends records atomically (see `append(_:signer:unlessRecorded:decidedOn:)`); with
    /// `idempotencyKey` nothing is appended when that lot and upload are already recorded, and with
    /// `decidedOn` nothing when the thing decided about changed meanwhile. `recordedBy` names the
    /// console account that caused the records (`Attribution`).
    @discardableResult
    public func append(_ records: [ProvenanceRecord], signer: NoteSigner, idempotencyKey: IdempotencyKey? = nil,
                       decidedOn: DecisionBasis? = nil, recordedBy: String? = nil) throws -> AppendResult {
        try append(records.map { $0.body(recordedBy: recordedBy) }, signer: signer,
                   unlessRecorded: idempotencyKey?.indexKeys ?? [], decidedOn: decidedOn)
    }

    /// All entries of a provenance type, in `seq` order.
    public func entries(type: RecordType) throws -> [LedgerEntry] {
        try entries(type: type.rawValue)
    }

    /// The lot's entries (its `lot` entry, gradings, corrections naming it), in `seq` order.
    public func entries(lotCode: String) throws -> [LedgerEntry] {
        try entries(withKey: IndexKey(IndexKeyName.lotCode, lotCode))
    }

    /// The origin's entries (its registration, lots from it, corrections naming it), in `seq` order.
    public func entries(originCode: String) throws -> [LedgerEntry] {
        try entries(withKey: IndexKey(IndexKeyName.originCode, originCode))
    }

    /// Entries recorded with this idempotency key (lot code + upload digest), in `seq` order.
    public func entries(recording key: IdempotencyKey) throws -> [LedgerEntry] {
        try entries(withAll: key.indexKeys)
    }

    /// The `origin` entry that registered `originCode`, if any.
    public func originRegistration(_ originCode: String) throws -> LedgerEntry? {
        try firstEntry(type: RecordType.origin.rawValue, withKey: IndexKey(IndexKeyName.originCode, originCode))
    }

    public func isOriginRegistered(_ originCode: String) throws -> Bool {
        try originRegistration(originCode) != nil
    }

    /// The `lot` entry that registered `lotCode`, if any.
    public func lotRegistration(_ lotCode: String) throws -> LedgerEntry? {
        try firstEntry(type: RecordType.lot.rawValue, withKey: IndexKey(IndexKeyName.lotCode, lotCode))
    }

    public func isLotRegistered(_ lotCode: String) throws -> Bool {
        try lotRegistration(lotCode) != nil
    }
}
