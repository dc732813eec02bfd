/// The entry types. The raw value is the `type` field.
public enum EntryType: String, Sendable, CaseIterable {
    case origin, lot, grading, correction, key
}

/// The type-specific content of an entry: what a caller appends. The ledger adds the envelope
/// (`v`, `seq`, `prev`, `recorded_at`, `signer`, `sig`).
public enum EntryBody: Sendable, Equatable {
    case origin(OriginRecord)
    case lot(LotRecord)
    case grading(GradingRecord)
    case correction(CorrectionRecord)
    case key(KeyRecord)

    /// Field names the ledger owns; a body may not set them.
    public static let envelopeFields: Set<String> = ["v", "seq", "prev", "type", "recorded_at", "signer", "sig"]

    public var type: EntryType {
        switch self {
        case .origin: return .origin
        case .lot: return .lot
        case .grading: return .grading
        case .correction: return .correction
        case .key: return .key
        }
    }

    /// Indexed side columns, derived from the body only.
    public var lotCode: String? {
        switch self {
        case .lot(let lot): return lot.lotCode
        case .grading(let grading): return grading.lotCode
        case .correction(let correction): return correction.lotCode
        case .origin, .key: return nil
        }
    }

    public var originCode: String? {
        switch self {
        case .origin(let origin): return origin.originCode
        case .lot(let lot): return lot.originCode
        case .correction(let correction): return correction.originCode
        case .grading, .key: return nil
        }
    }

    public var uploadDigest: String? {
        switch self {
        case .lot(let lot): return lot.uploadDigest
        case .grading(let grading): return grading.uploadDigest
        default: return nil
        }
    }

    /// The type's fields plus `type`.
    var fields: [String: JSONValue] {
        var fields: [String: JSONValue]
        switch self {
        case .origin(let record): fields = record.fields
        case .lot(let record): fields = record.fields
        case .grading(let record): fields = record.fields
        case .correction(let record): fields = record.fields
        case .key(let record): fields = record.fields
        }
        fields["type"] = .string(type.rawValue)
        return fields
    }

    /// Parses a body as a caller writes it: a JSON object with `type` and the type's fields, any
    /// key order and whitespace, strings in any normalisation form (they are stored as NFC).
    public init(json: [UInt8]) throws {
        guard case .object(let members) = try JSONParser.parse(json) else { throw EntryError.notAnObject }
        for key in members.keys where key != "type" && EntryBody.envelopeFields.contains(key) {
            throw EntryError.reservedField(key)
        }
        var reader = FieldReader(members)
        try self.init(reading: &reader)
        try reader.finish()
    }

    init(reading reader: inout FieldReader) throws {
        let typeName = try reader.string("type")
        guard let type = EntryType(rawValue: typeName) else { throw EntryError.unknownType(typeName) }
        switch type {
        case .origin: self = .origin(try OriginRecord(reading: &reader))
        case .lot: self = .lot(try LotRecord(reading: &reader))
        case .grading: self = .grading(try GradingRecord(reading: &reader))
        case .correction: self = .correction(try CorrectionRecord(reading: &reader))
        case .key: self = .key(try KeyRecord(reading: &reader))
        }
    }

    /// The body as a JSON object (with `type`), e.g. for display.
    public var json: JSONValue { .object(fields) }
}
