import Localization

/// The content of an entry as a caller appends it: a type name and the type's fields. The ledger
/// adds the envelope (`v`, `seq`, `prev`, `recorded_at`, `signer`, `sig`) and stores the body
/// opaquely; what a type means and which fields it has is the business of the `EntryRules` the
/// ledger was opened with (and of `KeyRecord` for the ledger's own `key` entries).
public struct EntryBody: Sendable, Equatable {
    /// The `type` field: 1–32 of `a–z 0–9 _ -`.
    public let type: String
    /// The type's fields, without `type` and without envelope fields.
    public let fields: [String: JSONValue]

    public init(type: String, fields: [String: JSONValue]) {
        self.type = type
        self.fields = fields
    }

    /// Field names the ledger owns; a body may not set them.
    public static let envelopeFields: Set<String> = ["v", "seq", "prev", "type", "recorded_at", "signer", "sig"]

    /// Parses a body as a caller writes it: a JSON object with `type` and the type's fields, any
    /// key order and whitespace. Only the form is checked here (`EntryValidator`); the type's own
    /// rules run when it is appended.
    public init(json: [UInt8]) throws {
        guard case .object(var members) = try JSONParser.parse(json) else { throw EntryError.notAnObject }
        guard let type = members.removeValue(forKey: "type") else { throw EntryError.missingField("type") }
        guard let name = type.stringValue else { throw EntryError.wrongFieldType(field: "type", expected: Message("a string")) }
        self.init(type: name, fields: members)
        try EntryValidator.check(normalised())
    }

    /// The body as a JSON object (with `type`), e.g. for display.
    public var json: JSONValue {
        var members = fields
        members["type"] = .string(type)
        return .object(members)
    }

    /// The body with every string in NFC, as it will be stored: what the rules see on append is
    /// then exactly what they see when the stored entry is read back.
    public func normalised() -> EntryBody {
        EntryBody(type: CanonicalJSON.nfc(type), fields: fields.mapValues(EntryBody.normalised))
    }

    private static func normalised(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(CanonicalJSON.nfc(text))
        case .array(let elements): return .array(elements.map(normalised))
        case .object(let members): return .object(members.mapValues(normalised))
        case .null, .bool, .integer: return value
        }
    }
}
