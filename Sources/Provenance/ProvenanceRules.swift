import LedgerStore
import MerkleLog

/// The provenance domain's rules for the ledger, run by the ledger on every append (before
/// signing) and by `verify`:
///
/// - every record decodes strictly (`ProvenanceRecord(_:)`): fields, identifiers, no unknown fields;
/// - an origin code and a lot code are registered once;
/// - a lot names a registered origin code, registered for the lot's farm and crop;
/// - a grading names a registered lot;
/// - a correction names an earlier entry by seq **and** leaf hash.
///
/// Further rules go in `violation(of:seq:keys:earlier:)`, which sees the earlier entries
/// through `EarlierEntries` (e.g. `earlier.body(seq:)` of a lot's origin registration).
public struct ProvenanceRules: EntryRules {
    public init() {}

    public var types: Set<String> { Set(RecordType.allCases.map(\.rawValue)) }

    public func validate(_ body: EntryBody) throws -> [IndexKey] {
        try ProvenanceRecord(body).indexKeys
    }

    public func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> String? {
        switch try ProvenanceRecord(body) {
        case .origin(let origin):
            if try earlier.firstSeq(type: RecordType.origin.rawValue, key: IndexKey(IndexKeyName.originCode, origin.originCode)) != nil {
                return "origin code '\(origin.originCode)' is already registered"
            }
        case .lot(let lot):
            if try earlier.firstSeq(type: RecordType.lot.rawValue, key: IndexKey(IndexKeyName.lotCode, lot.lotCode)) != nil {
                return "lot '\(lot.lotCode)' is already registered"
            }
            guard let originSeq = try earlier.firstSeq(type: RecordType.origin.rawValue,
                                                       key: IndexKey(IndexKeyName.originCode, lot.originCode)) else {
                return "origin code '\(lot.originCode)' is not registered"
            }
            // The origin code must be the lot's own growing area, not any registered code.
            if let body = try earlier.body(seq: originSeq), case .origin(let origin) = try ProvenanceRecord(body),
               let conflict = origin.conflicts(farmID: lot.farmID, crop: lot.crop).first {
                return conflict + " (lot '\(lot.lotCode)')"
            }
        case .grading(let grading):
            if try earlier.firstSeq(type: RecordType.lot.rawValue, key: IndexKey(IndexKeyName.lotCode, grading.lotCode)) == nil {
                return "lot '\(grading.lotCode)' is not registered"
            }
        case .correction(let correction):
            guard correction.corrects < seq else { return "corrects entry \(correction.corrects), which is not an earlier entry" }
            guard try earlier.leafHash(seq: correction.corrects)?.hex == correction.correctsLeafHash else {
                return "corrects_leaf does not match the leaf hash of entry \(correction.corrects)"
            }
        case .key:
            break
        }
        return nil
    }
}
