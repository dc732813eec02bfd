import Localization
/// Problems with an entry's content: JSON syntax, canonical form, field types and values.
/// `field` names use the JSON spelling so messages match the documented format.
public enum EntryError: LocalizableError, Equatable {
    case malformedJSON(offset: Int, reason: Message)
    case integerOutOfRange(Int64)
    case invalidKey(String)
    case notAnObject
    case unknownType(String)
    case missingField(String)
    case wrongFieldType(field: String, expected: Message)
    case invalidField(field: String, reason: Message)
    case unknownField(String)
    case reservedField(String)
    case notCanonical
    /// The entry would be (or is) larger than `EntryValidator.maxEntryBytes`.
    case tooLarge(bytes: Int, limit: Int)

    public var message: Message {
        switch self {
        case .malformedJSON(let offset, let reason):
            return Message("invalid JSON at byte {offset}: {reason}", ["offset": .text(String(offset)), "reason": .message(reason)])
        case .integerOutOfRange(let value): return Message("integer {value} is beyond ±(2^53 − 1)", ["value": .text(String(value))])
        case .invalidKey(let key): return Message("object key \"{key}\" must be non-empty printable ASCII", ["key": .text(key)])
        case .notAnObject: return Message("an entry must be a JSON object")
        case .unknownType(let type): return Message("unknown entry type \"{type}\"", ["type": .text(EntryValidator.printable(type))])
        case .missingField(let field): return Message("missing field \"{field}\"", ["field": .text(field)])
        case .wrongFieldType(let field, let expected):
            return Message("field \"{field}\" must be {expected}", ["field": .text(field), "expected": .message(expected)])
        case .invalidField(let field, let reason): return Message("field \"{field}\": {reason}", ["field": .text(field), "reason": .message(reason)])
        case .unknownField(let field): return Message("unknown field \"{field}\"", ["field": .text(field)])
        case .reservedField(let field): return Message("field \"{field}\" is set by the ledger, not by the caller", ["field": .text(field)])
        case .notCanonical: return Message("stored bytes differ from the entry's canonical JSON (RFC 8785, NFC) encoding")
        case .tooLarge(let bytes, let limit):
            return Message("the entry is {bytes} bytes, over the limit of {limit} bytes", ["bytes": .text(String(bytes)), "limit": .text(String(limit))])
        }
    }
}

/// Reads typed fields out of a JSON object and rejects any field nobody asked for, so a typo in
/// an entry body is an error instead of silently recorded data. Entry types decode their bodies
/// with it, on append and when reading alike.
public struct FieldReader {
    private let members: [String: JSONValue]
    private var consumed: [String] = []
    private let prefix: String
    /// Stored entries: only the one canonical spelling (no nulls, no written-out defaults).
    public let strict: Bool

    public init(_ members: [String: JSONValue], path prefix: String = "", strict: Bool = false) {
        self.members = members
        self.prefix = prefix
        self.strict = strict
    }

    public func name(_ key: String) -> String { prefix + key }

    public mutating func optionalValue(_ key: String) throws -> JSONValue? {
        guard let value = members[key] else { return nil }
        consumed.append(key)
        if value == .null {
            if strict { throw EntryError.notCanonical }   // absent fields are omitted, never null
            return nil
        }
        return value
    }

    public mutating func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw EntryError.missingField(name(key)) }
        return value
    }

    public mutating func optionalString(_ key: String) throws -> String? {
        guard let value = try optionalValue(key) else { return nil }
        guard let string = value.stringValue else { throw EntryError.wrongFieldType(field: name(key), expected: Message("a string")) }
        return CanonicalJSON.nfc(string)
    }

    /// A non-empty string without control characters.
    public mutating func text(_ key: String) throws -> String {
        let value = try string(key)
        try FieldReader.checkText(value, field: name(key))
        return value
    }

    public mutating func optionalText(_ key: String) throws -> String? {
        guard let value = try optionalString(key) else { return nil }
        try FieldReader.checkText(value, field: name(key))
        return value
    }

    public mutating func sha256Hex(_ key: String) throws -> String {
        let value = try string(key)
        guard MerkleHex.isSHA256(value) else { throw EntryError.invalidField(field: name(key), reason: Message("must be 64 lowercase hex digits")) }
        return value
    }

    public mutating func optionalSHA256Hex(_ key: String) throws -> String? {
        guard let value = try optionalString(key) else { return nil }
        guard MerkleHex.isSHA256(value) else { throw EntryError.invalidField(field: name(key), reason: Message("must be 64 lowercase hex digits")) }
        return value
    }

    public mutating func integer(_ key: String) throws -> Int {
        guard let value = try optionalInteger(key) else { throw EntryError.missingField(name(key)) }
        return value
    }

    public mutating func optionalInteger(_ key: String) throws -> Int? {
        guard let value = try optionalValue(key) else { return nil }
        guard let number = value.intValue else { throw EntryError.wrongFieldType(field: name(key), expected: Message("an integer")) }
        return number
    }

    public mutating func nonNegativeInteger(_ key: String) throws -> Int {
        let value = try integer(key)
        guard value >= 0 else { throw EntryError.invalidField(field: name(key), reason: Message("must not be negative")) }
        return value
    }

    public mutating func optionalBool(_ key: String) throws -> Bool? {
        guard let value = try optionalValue(key) else { return nil }
        guard let flag = value.boolValue else { throw EntryError.wrongFieldType(field: name(key), expected: Message("true or false")) }
        return flag
    }

    public mutating func array(_ key: String) throws -> [JSONValue] {
        guard let value = try optionalValue(key) else { throw EntryError.missingField(name(key)) }
        guard let array = value.arrayValue else { throw EntryError.wrongFieldType(field: name(key), expected: Message("an array")) }
        return array
    }

    public mutating func object(_ key: String) throws -> [String: JSONValue] {
        guard let value = try optionalValue(key) else { throw EntryError.missingField(name(key)) }
        guard let object = value.objectValue else { throw EntryError.wrongFieldType(field: name(key), expected: Message("an object")) }
        return object
    }

    /// The members not read so far.
    public func remaining() -> [String: JSONValue] {
        members.filter { !consumed.contains($0.key) }
    }

    /// Fails on any member that was not read. (Each field is read once, so counting suffices;
    /// the names are only worked out for the error message.)
    public func finish() throws {
        guard consumed.count != members.count else { return }
        throw EntryError.unknownField(name(members.keys.sorted().first { !consumed.contains($0) } ?? "?"))
    }

    /// A non-empty string; control characters are refused for every string (`EntryValidator`).
    public static func checkText(_ value: String, field: String) throws {
        guard !value.isEmpty else { throw EntryError.invalidField(field: field, reason: Message("must not be empty")) }
        try EntryValidator.checkString(value, field: field)
    }
}

public enum MerkleHex {
    public static func isSHA256(_ text: String) -> Bool {
        var count = 0
        for unit in text.utf8 {
            guard (0x30...0x39).contains(unit) || (0x61...0x66).contains(unit) else { return false }
            count += 1
        }
        return count == 64
    }
}
