import LedgerStore
import Localization

/// The provenance entry types. The raw value is the entry's `type`.
public enum RecordType: String, Sendable, CaseIterable {
    case origin, lot, grading, correction
}

/// A decoded ledger entry body: one of the provenance records, or the ledger's own key entry.
public enum ProvenanceRecord: Sendable, Equatable {
    case origin(OriginRecord)
    case lot(LotRecord)
    case grading(GradingRecord)
    case correction(CorrectionRecord)
    case key(KeyRecord)

    /// Decodes a stored (or to-be-stored) body strictly: required fields, identifier syntax, no
    /// unknown fields, one spelling only. The ledger rules run exactly this.
    public init(_ body: EntryBody) throws {
        if body.type == KeyRecord.entryType {
            self = .key(try KeyRecord(body))
            return
        }
        guard let type = RecordType(rawValue: body.type) else { throw EntryError.unknownType(body.type) }
        var fields = body.fields
        if let recordedBy = fields.removeValue(forKey: Attribution.field) {
            guard case .string(let name) = recordedBy else { throw EntryError.wrongFieldType(field: Attribution.field, expected: Message("a string")) }
            try Identifiers.checkUserName(name, field: Attribution.field)
        }
        var reader = FieldReader(fields, strict: true)
        try self.init(type, reading: &reader)
        try reader.finish()
    }

    /// Parses a body as a person writes it (`{"type": ..., fields}`, any key order and
    /// whitespace, strings in any normalisation form, absent optional fields as null, derived
    /// fields left out); `.body` then gives the one stored form.
    public init(json: [UInt8]) throws {
        let raw = try EntryBody(json: json).normalised()
        if raw.type == KeyRecord.entryType {
            self = .key(try KeyRecord(raw))
            return
        }
        guard let type = RecordType(rawValue: raw.type) else { throw EntryError.unknownType(raw.type) }
        var reader = FieldReader(raw.fields)
        try self.init(type, reading: &reader)
        try reader.finish()
    }

    private init(_ type: RecordType, reading reader: inout FieldReader) throws {
        switch type {
        case .origin: self = .origin(try OriginRecord(reading: &reader))
        case .lot: self = .lot(try LotRecord(reading: &reader))
        case .grading: self = .grading(try GradingRecord(reading: &reader))
        case .correction: self = .correction(try CorrectionRecord(reading: &reader))
        }
    }

    /// The entry type name.
    public var type: String {
        switch self {
        case .origin: return RecordType.origin.rawValue
        case .lot: return RecordType.lot.rawValue
        case .grading: return RecordType.grading.rawValue
        case .correction: return RecordType.correction.rawValue
        case .key: return KeyRecord.entryType
        }
    }

    /// The body to append.
    public var body: EntryBody {
        switch self {
        case .origin(let record): return EntryBody(type: type, fields: record.fields)
        case .lot(let record): return EntryBody(type: type, fields: record.fields)
        case .grading(let record): return EntryBody(type: type, fields: record.fields)
        case .correction(let record): return EntryBody(type: type, fields: record.fields)
        case .key(let record): return record.body
        }
    }

    /// The body to append, naming the console user who caused it (see `Attribution`).
    public func body(recordedBy user: String?) -> EntryBody {
        let body = self.body
        guard let user else { return body }
        return EntryBody(type: body.type, fields: body.fields.merging([Attribution.field: .string(user)]) { $1 })
    }

    /// The lot the record is about, if any.
    public var lotCode: String? {
        switch self {
        case .lot(let lot): return lot.lotCode
        case .grading(let grading): return grading.lotCode
        case .correction(let correction): return correction.lotCode
        case .origin, .key: return nil
        }
    }

    /// The growing area the record is about, if any.
    public var originCode: String? {
        switch self {
        case .origin(let origin): return origin.originCode
        case .lot(let lot): return lot.originCode
        case .correction(let correction): return correction.originCode
        case .grading, .key: return nil
        }
    }

    /// The upload that recorded it, if any.
    public var uploadDigest: String? {
        switch self {
        case .lot(let lot): return lot.uploadDigest
        case .grading(let grading): return grading.uploadDigest
        case .origin, .correction, .key: return nil
        }
    }

    /// The index keys the ledger stores for this record (see `ProvenanceRules`).
    public var indexKeys: [IndexKey] {
        var keys = [IndexKey]()
        if let lotCode { keys.append(IndexKey(IndexKeyName.lotCode, lotCode)) }
        if let originCode { keys.append(IndexKey(IndexKeyName.originCode, originCode)) }
        if let uploadDigest { keys.append(IndexKey(IndexKeyName.uploadDigest, uploadDigest)) }
        return keys
    }
}

/// Names of the index keys provenance entries are found by.
public enum IndexKeyName {
    public static let lotCode = "lot_code"
    public static let originCode = "origin_code"
    public static let uploadDigest = "upload_digest"
}

/// Who caused an entry. Entries appended from the console carry `recorded_by`: the name of the
/// signed-in account whose action caused them (`Identifiers.isUserName`). It is a field of the
/// entry itself, so the cooperative's signature covers it and `ledger verify` checks its syntax
/// with every other field; entries from the command line have none (whoever holds the key).
public enum Attribution {
    public static let field = "recorded_by"

    /// The account named by a stored entry, if any.
    public static func recordedBy(_ body: EntryBody) -> String? {
        if case .string(let name)? = body.fields[field] { return name }
        return nil
    }
}

extension LedgerEntry {
    /// The entry's body decoded as a provenance record. Throws `EntryError` for a body the
    /// provenance rules do not accept (which `verify` reports as well).
    public func record() throws -> ProvenanceRecord { try ProvenanceRecord(body) }
}
