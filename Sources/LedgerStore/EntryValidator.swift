import Localization

/// The one set of rules for what any entry may contain, whatever its type. The writer applies it
/// before signing and the reader (`LedgerEntry(canonicalBytes:)`, hence `verify`, export and
/// proofs) applies the same functions to what it reads, so an entry that was signed can always
/// be read back.
///
/// - the whole entry is at most `maxEntryBytes` of canonical JSON;
/// - nesting at most `JSONParser.maxDepth` deep; integers within ±(2^53 − 1);
/// - object keys are non-empty printable ASCII; the type name is 1–32 of `a–z 0–9 _ -`;
/// - no string anywhere holds a control character (U+0000–U+001F, U+007F–U+009F): they would
///   reach terminals, CSV and HTML, and a name with a newline or tab is never what was meant;
/// - no string holds a bidirectional formatting character (U+202A–U+202E, U+2066–U+2069, and the
///   marks U+200E, U+200F, U+061C): invisible, they reorder the text around them wherever it is
///   shown (`trace`, the audit report), so "F1 (A(B" can display as another lot's code, and they
///   make two identical-looking identifiers differ. Refused in every field rather than only in
///   identifiers, because names and notes are shown next to codes. Vietnamese needs none of them,
///   and right-to-left text (Arabic farm names) displays by the Unicode bidi algorithm without
///   explicit controls; what is lost is only hand-tuned display of mixed-direction text.
/// - no string is longer than `maxStringScalars` Unicode scalars (as given, before NFC): far
///   above any name, code or note, and well below where normalising gets slow.
///
/// Type-specific field rules (identifiers, required fields) are the `EntryRules`'.
public enum EntryValidator {
    /// Largest entry, in canonical bytes (1 MiB).
    public static let maxEntryBytes = 1 << 20
    /// Longest string value, in Unicode scalars (4,096).
    public static let maxStringScalars = 4096

    public static func check(_ body: EntryBody) throws {
        try checkTypeName(body.type)
        for (key, value) in body.fields {
            guard !EntryBody.envelopeFields.contains(key) else { throw EntryError.reservedField(key) }
            try checkKey(key)
            try check(value, path: key, depth: 1)
        }
    }

    public static func checkTypeName(_ name: String) throws {
        let allowed = { (unit: UInt8) in (0x61...0x7a).contains(unit) || (0x30...0x39).contains(unit) || unit == 0x5f || unit == 0x2d }
        guard (1...32).contains(name.utf8.count), name.utf8.allSatisfy(allowed) else {
            throw EntryError.invalidField(field: "type", reason: Message("'{name}' must be 1–32 of a–z 0–9 _ -", ["name": .text("\(printable(name))")]))
        }
    }

    /// A string value: no control or bidirectional formatting characters.
    public static func checkString(_ text: String, field: String) throws {
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if count > maxStringScalars {
                throw EntryError.invalidField(field: field, reason: Message("is longer than {max_string_scalars} characters (Unicode scalars)", ["max_string_scalars": .text("\(maxStringScalars)")]))
            }
            if isControl(scalar) {
                throw EntryError.invalidField(field: field, reason: Message("contains the control character U+{scalar}, which entries may not hold", ["scalar": .text("\(hex4(scalar.value))")]))
            }
            if isBidiControl(scalar) {
                throw EntryError.invalidField(field: field, reason: Message("contains the bidirectional formatting character U+{scalar}, which entries may not hold", ["scalar": .text("\(hex4(scalar.value))")]))
            }
        }
    }

    /// Explicit embeddings, overrides and isolates, and the direction marks.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool { TerminalText.isBidiControl(scalar) }

    /// The size of a whole entry in canonical bytes.
    public static func checkSize(_ byteCount: Int) throws {
        guard byteCount <= maxEntryBytes else { throw EntryError.tooLarge(bytes: byteCount, limit: maxEntryBytes) }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { TerminalText.isControl(scalar) }

    public static func checkKey(_ key: String) throws {
        guard !key.isEmpty, key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { throw EntryError.invalidKey(printable(key)) }
    }

    /// Every value of a parsed entry (the reader's side; the parser has checked keys, depth and
    /// integers already). The common case, every string acceptable, is decided without building
    /// the field paths that only an error message needs.
    static func checkStrings(_ value: JSONValue, path: String) throws {
        guard !allStringsAcceptable(value) else { return }
        try describeStringProblem(value, path: path)
    }

    private static func allStringsAcceptable(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return isAcceptable(text)
        case .array(let elements): return elements.allSatisfy(allStringsAcceptable)
        case .object(let members): return members.values.allSatisfy(allStringsAcceptable)
        case .null, .bool, .integer: return true
        }
    }

    /// What `checkString` accepts, without its messages.
    private static func isAcceptable(_ text: String) -> Bool {
        // Printable ASCII holds no control or bidirectional character, and counts one scalar a byte.
        if text.utf8.count <= maxStringScalars, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return true }
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if count > maxStringScalars || isControl(scalar) || isBidiControl(scalar) { return false }
        }
        return true
    }

    private static func describeStringProblem(_ value: JSONValue, path: String) throws {
        switch value {
        case .string(let text): try checkString(text, field: path)
        case .array(let elements): for (index, element) in elements.enumerated() { try describeStringProblem(element, path: "\(path)[\(index)]") }
        case .object(let members): for (key, member) in members { try describeStringProblem(member, path: path.isEmpty ? key : "\(path).\(key)") }
        case .null, .bool, .integer: break
        }
    }

    private static func check(_ value: JSONValue, path: String, depth: Int) throws {
        guard depth <= JSONParser.maxDepth else {
            throw EntryError.invalidField(field: path, reason: Message("nested deeper than {max_depth}", ["max_depth": .text("\(JSONParser.maxDepth)")]))
        }
        switch value {
        case .string(let text): try checkString(text, field: path)
        case .integer(let number):
            guard number.magnitude <= JSONValue.maxSafeInteger.magnitude else { throw EntryError.integerOutOfRange(number) }
        case .array(let elements):
            for (index, element) in elements.enumerated() { try check(element, path: "\(path)[\(index)]", depth: depth + 1) }
        case .object(let members):
            for (key, member) in members {
                try checkKey(key)
                try check(member, path: "\(path).\(key)", depth: depth + 1)
            }
        case .null, .bool: break
        }
    }

    /// Most scalars of input a message quotes: a huge refused value is named, not echoed.
    public static let quotedScalars = 80

    /// `text` with control characters shown as `\u{..}`, cut after `quotedScalars` with "…", for messages.
    public static func printable(_ text: String) -> String {
        var out = ""
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == quotedScalars { return out + "… (\(text.unicodeScalars.count) characters)" }
            if isControl(scalar) || isBidiControl(scalar) { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
