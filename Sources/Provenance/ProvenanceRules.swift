import LedgerStore
import MerkleLog
import Localization

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

    public func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> Message? {
        try violation(of: ProvenanceRecord(body), seq: seq, earlier: earlier)
    }

    /// The same rules on a body already decoded, for readers that decode each entry once.
    public func violation(of record: ProvenanceRecord, seq: Int, earlier: any EarlierEntries) throws -> Message? {
        switch record {
        case .origin(let origin):
            if try earlier.firstSeq(type: RecordType.origin.rawValue, key: IndexKey(IndexKeyName.originCode, origin.originCode)) != nil {
                return Message("origin code '{origin_code}' is already registered", ["origin_code": .text("\(origin.originCode)")])
            }
        case .lot(let lot):
            if try earlier.firstSeq(type: RecordType.lot.rawValue, key: IndexKey(IndexKeyName.lotCode, lot.lotCode)) != nil {
                return Message("lot '{lot_code}' is already registered", ["lot_code": .text("\(lot.lotCode)")])
            }
            guard let originSeq = try earlier.firstSeq(type: RecordType.origin.rawValue,
                                                       key: IndexKey(IndexKeyName.originCode, lot.originCode)) else {
                return Message("origin code '{origin_code}' is not registered", ["origin_code": .text("\(lot.originCode)")])
            }
            // The origin code must be the lot's own growing area, not any registered code.
            if let body = try earlier.body(seq: originSeq), case .origin(let origin) = try ProvenanceRecord(body),
               let conflict = origin.conflicts(farmID: lot.farmID, crop: lot.crop).first {
                return Message("{conflict} (lot '{lot}')", ["conflict": .message(conflict), "lot": .text(lot.lotCode)])
            }
        case .grading(let grading):
            if try earlier.firstSeq(type: RecordType.lot.rawValue, key: IndexKey(IndexKeyName.lotCode, grading.lotCode)) == nil {
                return Message("lot '{lot_code}' is not registered", ["lot_code": .text("\(grading.lotCode)")])
            }
        case .correction(let correction):
            guard correction.corrects < seq else { return Message("corrects entry {corrects}, which is not an earlier entry", ["corrects": .text("\(correction.corrects)")]) }
            guard try earlier.leafHash(seq: correction.corrects)?.hex == correction.correctsLeafHash,
                  let targetBody = try earlier.body(seq: correction.corrects) else {
                return Message("corrects_leaf does not match the leaf hash of entry {corrects}", ["corrects": .text("\(correction.corrects)")])
            }
            let target = try ProvenanceRecord(targetBody)
            if let reason = Self.referenceViolation(of: correction, target: target) { return reason }
            // Readers release a held lot on a lot_grade change: it must be a grade of the policy that
            // graded the lot (its distribution's grades), or a hold, never "" or free text.
            if let change = correction.changes["lot_grade"] {
                var root = target, hops = 0
                while case .correction(let inner) = root, hops < 1_000, let body = try earlier.body(seq: inner.corrects) {
                    root = try ProvenanceRecord(body)
                    hops += 1
                }
                guard case .grading(let grading) = root else {
                    return Message("changes.lot_grade corrects a grading only, not entry {corrects}", ["corrects": .text("\(correction.corrects)")])
                }
                guard case .string(let grade) = change,
                      grading.distribution.keys.contains(grade) || GradingRecord.holdGradeNames.contains(grade.lowercased()) else {
                    return Message("changes.lot_grade must be one of the grading's grades: {grades}",
                                   ["grades": .text(grading.distribution.keys.sorted().joined(separator: ", "))])
                }
            }
            // A label reads the lot's origin through this change: it must be a registered origin.
            if let change = correction.changes["origin_code"] {
                guard case .string(let code) = change,
                      try earlier.firstSeq(type: RecordType.origin.rawValue, key: IndexKey(IndexKeyName.originCode, code)) != nil else {
                    return Message("changes.origin_code must name a registered origin code")
                }
            }
            // Last, so the specific refusals above name their problem first.
            if let type = RecordType(rawValue: targetBody.type) {
                do { try correction.checkChanges(correcting: type) } catch let error as EntryError { return error.message }
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
    static func referenceViolation(of correction: CorrectionRecord, target: ProvenanceRecord) -> Message? {
        let seq = correction.corrects
        if case .key = target {
            return Message("corrects entry {seq}, a key entry; keys are changed by key entries, not corrections", ["seq": .text("\(seq)")])
        }
        if correction.lotCode != target.lotCode {
            switch (correction.lotCode, target.lotCode) {
            case (nil, let lot?): return Message("must name lot_code '{lot}': entry {seq} it corrects is about that lot", ["lot": .text("\(lot)"), "seq": .text("\(seq)")])
            case (let named?, nil): return Message("names lot_code '{named}', but entry {seq} it corrects is not about a lot", ["named": .text("\(named)"), "seq": .text("\(seq)")])
            case (let named?, let lot?): return Message("names lot_code '{named}', but entry {seq} it corrects is about lot '{lot}'", ["named": .text("\(named)"), "seq": .text("\(seq)"), "lot": .text("\(lot)")])
            case (nil, nil): break
            }
        }
        switch (correction.originCode, target.originCode) {
        case (let named?, let origin?) where named != origin:
            return Message("names origin_code '{named}', but entry {seq} it corrects is about origin '{origin}'", ["named": .text("\(named)"), "seq": .text("\(seq)"), "origin": .text("\(origin)")])
        case (let named?, nil):
            return Message("names origin_code '{named}', but entry {seq} it corrects is not about an origin", ["named": .text("\(named)"), "seq": .text("\(seq)")])
        case (nil, let origin?) where target.lotCode == nil:
            return Message("must name origin_code '{origin}': entry {seq} it corrects is about that origin", ["origin": .text("\(origin)"), "seq": .text("\(seq)")])
        default:
            return nil
        }
    }
}
