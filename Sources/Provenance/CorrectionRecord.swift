import LedgerStore

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
