import LedgerStore
import Provenance

extension OriginRecord {
    /// The fields a correction of an origin registration changes, by their names in the entry, in
    /// the order forms show them (`CorrectionRecord.correctableFields(of:)` is the rule).
    public static let correctableFields = ["farm_id", "farm_name", "crop", "commune", "district", "province"]
        .filter(CorrectionRecord.correctableFields(of: .origin).contains)

    /// This registration with a correction's `changes` applied (keys in sorted order); the names of
    /// changes it cannot apply (unknown fields, values that are not text) come back in `unapplied`.
    /// One rule for lot pages, labels and the console's origin history.
    public func applying(_ changes: [String: JSONValue]) -> (origin: OriginRecord, unapplied: [String]) {
        var origin = self, unapplied: [String] = []
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
            switch (key, value) {
            case ("farm_id", .string(let v)): origin.farmID = v
            case ("crop", .string(let v)): origin.crop = v
            case ("farm_name", .string(let v)): origin.farmName = v
            case ("commune", .string(let v)): origin.commune = v
            case ("district", .string(let v)): origin.district = v
            case ("province", .string(let v)): origin.province = v
            default: unapplied.append(key)
            }
        }
        return (origin, unapplied)
    }
}

extension LedgerSnapshot {
    /// Origin `code` as it stands: its registration with the corrections of that registration
    /// applied in ledger order, and those corrections (its history). Nil when it is not registered.
    public func currentOrigin(code: String) -> (registration: Recorded<OriginRecord>, current: OriginRecord,
                                                  corrections: [Recorded<CorrectionRecord>])? {
        guard let registration = origin(code: code) else { return nil }
        let corrections = self.corrections(of: [registration.seq])
            .filter { $0.record.correctsLeafHash == registration.leafHashHex }
        var current = registration.record
        for correction in corrections { current = current.applying(correction.record.changes).origin }
        return (registration, current, corrections)
    }
}
