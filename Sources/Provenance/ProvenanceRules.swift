import LedgerStore
import MerkleLog

/// The provenance domain's rules for the ledger, run by the ledger on every append (before
/// signing) and by `verify`:
///
/// - every record decodes strictly (`ProvenanceRecord(_:)`): fields, identifiers, no unknown fields;
/// - an origin code and a lot code are registered once;
/// - a lot names a registered origin code, registered for the lot's farm and crop;
/// - a grading names a registered lot;
/// - a correction names an earlier entry by seq **and** leaf hash, not a key entry, and carries
///   that entry's lot code and origin code (see `referenceViolation(of:target:)`);
/// - a correction changing a lot's `origin_code` names a registered origin.
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
            guard try earlier.leafHash(seq: correction.corrects)?.hex == correction.correctsLeafHash,
                  let targetBody = try earlier.body(seq: correction.corrects) else {
                return "corrects_leaf does not match the leaf hash of entry \(correction.corrects)"
            }
            if let reason = Self.referenceViolation(of: correction, target: try ProvenanceRecord(targetBody)) { return reason }
            // A label reads the lot's origin through this change: it must be a registered origin.
            if let change = correction.changes["origin_code"] {
                guard case .string(let code) = change,
                      try earlier.firstSeq(type: RecordType.origin.rawValue, key: IndexKey(IndexKeyName.originCode, code)) != nil else {
                    return "changes.origin_code must name a registered origin code"
                }
            }
        case .key:
            break
        }
        return nil
    }

    /// Lookups by lot and origin (labels, trace, audit) find a correction by the codes it carries,
    /// so they must be the corrected entry's: a correction naming another lot would be missing
    /// from its own lot's bundle and break the other lot's. The lot code must match exactly (absent
    /// when the corrected entry has none). The origin code must match when given, and is required
    /// when the corrected entry is about an origin only (its registration, or a correction of it),
    /// since that is the only way such a correction is found; a lot's corrections are found
    /// through the lot. Corrections of corrections carry the same codes, so this holds down a chain.
    static func referenceViolation(of correction: CorrectionRecord, target: ProvenanceRecord) -> String? {
        let seq = correction.corrects
        if case .key = target {
            return "corrects entry \(seq), a key entry; keys are changed by key entries, not corrections"
        }
        if correction.lotCode != target.lotCode {
            switch (correction.lotCode, target.lotCode) {
            case (nil, let lot?): return "must name lot_code '\(lot)': entry \(seq) it corrects is about that lot"
            case (let named?, nil): return "names lot_code '\(named)', but entry \(seq) it corrects is not about a lot"
            case (let named?, let lot?): return "names lot_code '\(named)', but entry \(seq) it corrects is about lot '\(lot)'"
            case (nil, nil): break
            }
        }
        switch (correction.originCode, target.originCode) {
        case (let named?, let origin?) where named != origin:
            return "names origin_code '\(named)', but entry \(seq) it corrects is about origin '\(origin)'"
        case (let named?, nil):
            return "names origin_code '\(named)', but entry \(seq) it corrects is not about an origin"
        case (nil, let origin?) where target.lotCode == nil:
            return "must name origin_code '\(origin)': entry \(seq) it corrects is about that origin"
        default:
            return nil
        }
    }
}
