import LedgerStore

/// Idempotency key of recording one lot of an upload: when entries with this lot code and
/// upload digest are already recorded, recording it again appends nothing.
public struct IdempotencyKey: Sendable, Equatable {
    public let lotCode: String
    public let uploadDigest: String

    public init(lotCode: String, uploadDigest: String) {
        self.lotCode = lotCode
        self.uploadDigest = uploadDigest
    }

    /// The index keys an append is made conditional on (`Ledger.append(_:signer:unlessRecorded:)`).
    public var indexKeys: [IndexKey] {
        [IndexKey(IndexKeyName.lotCode, lotCode), IndexKey(IndexKeyName.uploadDigest, uploadDigest)]
    }
}
