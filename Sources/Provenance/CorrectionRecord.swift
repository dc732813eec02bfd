import LedgerStore
import Localization

/// `correction` entry: amends an earlier entry without rewriting it. It names the corrected entry
/// by `seq` and leaf hash, says why, and carries the changed fields (any JSON object).
public struct CorrectionRecord: Sendable, Equatable {
    public var corrects: Int
    /// Leaf hash (hex) of the corrected entry, so the correction pins exactly what it amends.
    public var correctsLeafHash: String
    public var reason: String
    /// Who decided (a person's name, as they gave it), when a person reviewed the entry; the
    /// cooperative's key signs the claim.
    public var reviewer: String?
    /// Copied from the corrected entry when it has one, so lookups by lot or origin find corrections.
    public var lotCode: String?
    public var originCode: String?
    public var changes: [String: JSONValue]

    public init(corrects: Int, correctsLeafHash: String, reason: String, reviewer: String? = nil, lotCode: String? = nil,
                originCode: String? = nil, changes: [String: JSONValue]) {
        self.corrects = corrects
        self.correctsLeafHash = correctsLeafHash
        self.reason = reason
        self.reviewer = reviewer
        self.lotCode = lotCode
        self.originCode = originCode
        self.changes = changes
    }

    var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "corrects": .integer(Int64(corrects)), "corrects_leaf": .string(correctsLeafHash),
            "reason": .string(reason), "changes": .object(changes),
        ]
        fields["reviewer"] = reviewer.map(JSONValue.string)
        fields["lot_code"] = lotCode.map(JSONValue.string)
        fields["origin_code"] = originCode.map(JSONValue.string)
        return fields
    }

    init(reading reader: inout FieldReader) throws {
        corrects = try reader.nonNegativeInteger("corrects")
        correctsLeafHash = try reader.sha256Hex("corrects_leaf")
        reason = try reader.text("reason")
        reviewer = try reader.optionalText("reviewer")
        lotCode = try reader.optionalString("lot_code")
        if let lotCode { try Identifiers.checkLotCode(lotCode, field: "lot_code") }
        originCode = try reader.optionalString("origin_code")
        if let originCode { try Identifiers.checkOriginCode(originCode, field: "origin_code") }
        changes = try reader.object("changes")
    }
}

extension CorrectionRecord {
    /// The fields a correction may change, by the type of the entry it corrects: exactly those
    /// every reader applies (trace, labels, verify-label, the buyer's page, export). Any other
    /// change would be signed words no reader shows as the lot's state (a "recall" written as
    /// `held: true` that every label ignores), so the writer refuses it.
    public static func correctableFields(of type: RecordType) -> [String] {
        switch type {
        case .lot: return ["cooperative", "crop", "farm_id", "gtin", "harvest_date", "origin_code", "quantity_g"]
        case .origin: return ["commune", "crop", "district", "farm_id", "farm_name", "province"]
        case .grading: return ["lot_grade"]
        case .correction: return []
        }
    }

    /// Refuses a change of a field readers do not apply to a `type` entry, or a value the field
    /// could not hold in the entry itself (checked as the entry's own reader checks it).
    /// `lot_grade` and `origin_code` are checked further against earlier entries by the rules.
    public func checkChanges(correcting type: RecordType) throws {
        let allowed = Self.correctableFields(of: type)
        var reader = FieldReader(changes, path: "changes.")
        for key in changes.keys.sorted() {
            guard allowed.contains(key) else {
                let fields = allowed.isEmpty ? Message("nothing: corrections are amended by correcting what they corrected")
                                             : .verbatim(allowed.joined(separator: ", "))
                throw EntryError.invalidField(field: "changes.\(key)", reason: Message("readers do not apply this field to a {type} entry, so it cannot be corrected (they apply: {fields})",
                                                                                         ["type": .text(type.rawValue), "fields": .message(fields)]))
            }
            switch key {
            case "gtin": try Identifiers.checkGTIN14(try reader.string(key), field: reader.name(key))
            case "harvest_date": try Identifiers.checkDate(try reader.string(key), field: reader.name(key))
            case "origin_code": try Identifiers.checkOriginCode(try reader.string(key), field: reader.name(key))
            case "quantity_g": _ = try reader.nonNegativeInteger(key)
            case "lot_grade": _ = try reader.string(key)
            default: _ = try reader.text(key)
            }
        }
    }
}
