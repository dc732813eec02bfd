import Foundation

/// RFC 8785 (JCS) canonical encoding for `JSONValue`, with every string normalised to Unicode
/// NFC first (the same Vietnamese name typed on two phones arrives as NFC or NFD, and must hash
/// the same). Object keys are sorted by their UTF-16 code units; keys are ASCII, where that is
/// byte order. No whitespace; `/` and non-ASCII characters are written as themselves.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(1024)
        try write(value, to: &out)
        return out
    }

    public static func write(_ value: JSONValue, to out: inout [UInt8]) throws {
        switch value {
        case .null: out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6c, 0x73, 0x65])
        case .integer(let number):
            guard abs(number) <= JSONValue.maxSafeInteger else { throw EntryError.integerOutOfRange(number) }
            writeInteger(number, to: &out)
        case .string(let string): writeString(string, to: &out)
        case .array(let elements):
            out.append(0x5b)
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(0x2c) }
                try write(element, to: &out)
            }
            out.append(0x5d)
        case .object(let members):
            out.append(0x7b)
            for (index, key) in try sortedKeys(members).enumerated() {
                if index > 0 { out.append(0x2c) }
                writeString(key, to: &out)
                out.append(0x3a)
                try write(members[key]!, to: &out)
            }
            out.append(0x7d)
        }
    }

    /// NFC form of `string`; ASCII strings (the vast majority) skip the normaliser. So do strings
    /// over `EntryValidator.maxStringScalars`, which no entry may hold (writer and reader refuse
    /// them after this): Foundation's normaliser is quadratic on characters NFC expands (U+1D15E:
    /// 100,000 took 5–7 s), and a refused string need not be normalised first.
    public static func nfc(_ string: String) -> String {
        if string.utf8.allSatisfy({ $0 < 0x80 }) { return string }
        if isNFCByQuickCheck(string) { return string }
        if string.utf8.count > EntryValidator.maxStringScalars, string.unicodeScalars.count > EntryValidator.maxStringScalars { return string }
        return string.precomposedStringWithCanonicalMapping
    }

    /// Whether every scalar is below U+0300, in Latin Extended Additional (U+1E00–U+1EFF, the
    /// Vietnamese letters with their tone marks), in General Punctuation from U+2002 (dashes,
    /// quotation marks, "…") or a currency sign (U+20A0–U+20C0, "₫" among them): all have NFC
    /// quick-check Yes and combining class 0, so such a string is NFC already (UAX #15 quick check;
    /// U+2000 and U+2001 decompose, so they are left out). Foundation's normaliser, bridging
    /// included, cost more than the JSON parse of a Vietnamese entry in the province's ingest.
    static func isNFCByQuickCheck(_ string: String) -> Bool {
        string.unicodeScalars.allSatisfy {
            $0.value < 0x300 || (0x1E00...0x1EFF).contains($0.value) || (0x2002...0x206F).contains($0.value) || (0x20A0...0x20C0).contains($0.value)
        }
    }

    private static func sortedKeys(_ members: [String: JSONValue]) throws -> [String] {
        for key in members.keys where key.isEmpty || !key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            throw EntryError.invalidKey(key)
        }
        // ASCII only, so byte order equals UTF-16 code unit order.
        return members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func writeInteger(_ number: Int64, to out: inout [UInt8]) {
        if number == 0 { out.append(0x30); return }
        var magnitude = number.magnitude
        var digits = [UInt8]()
        while magnitude > 0 {
            digits.append(UInt8(0x30 + magnitude % 10))
            magnitude /= 10
        }
        if number < 0 { out.append(0x2d) }
        out.append(contentsOf: digits.reversed())
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// ECMAScript JSON.stringify string escaping, which JCS adopts. Strings of printable ASCII
    /// without quote or backslash (most identifiers, hashes, codes) are copied in one step; in
    /// others, each run between two characters to escape is (a whole entry's canonical text,
    /// which the province's answers carry as a string, has a quote every few bytes: appending it
    /// byte by byte took more time than parsing the entry).
    static func writeString(_ raw: String, to out: inout [UInt8]) {
        var plain = true
        var ascii = true
        for unit in raw.utf8 {
            if unit >= 0x80 { ascii = false; plain = false; break }
            if unit < 0x20 || unit == 0x22 || unit == 0x5c { plain = false }
        }
        out.append(0x22)
        if plain {
            out.append(contentsOf: raw.utf8)
            out.append(0x22)
            return
        }
        var string = ascii ? raw : nfc(raw)
        string.withUTF8 { units in
            var run = 0
            for index in units.indices {
                let unit = units[index]
                guard unit < 0x20 || unit == 0x22 || unit == 0x5c else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: units[run..<index]))
                run = index + 1
                switch unit {
                case 0x22: out.append(0x5c); out.append(0x22)
                case 0x5c: out.append(0x5c); out.append(0x5c)
                case 0x08: out.append(0x5c); out.append(0x62)
                case 0x09: out.append(0x5c); out.append(0x74)
                case 0x0a: out.append(0x5c); out.append(0x6e)
                case 0x0c: out.append(0x5c); out.append(0x66)
                case 0x0d: out.append(0x5c); out.append(0x72)
                default:
                    out.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hexDigits[Int(unit >> 4)], hexDigits[Int(unit & 0xf)]])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: units[run...]))
        }
        out.append(0x22)
    }

    /// The members of a top-level object, each encoded as `"key":value`, in canonical order.
    /// Entries are assembled from these so the signed form (without `sig`) and the stored form
    /// share one encoding pass.
    public static func encodeMembers(_ members: [String: JSONValue]) throws -> [(key: String, bytes: [UInt8])] {
        try sortedKeys(members).map { key in
            var bytes = [UInt8]()
            bytes.reserveCapacity(64)
            writeString(key, to: &bytes)
            bytes.append(0x3a)
            try write(members[key]!, to: &bytes)
            return (key, bytes)
        }
    }

    /// `{` + members joined by `,` + `}`; the members must already be in canonical order.
    public static func assemble<Members: Sequence>(_ members: Members) -> [UInt8] where Members.Element == [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(1024)
        out.append(0x7b)
        var first = true
        for member in members {
            if !first { out.append(0x2c) }
            out.append(contentsOf: member)
            first = false
        }
        out.append(0x7d)
        return out
    }

    /// Canonical bytes of an object with its top-level member `key` removed, or nil when there is
    /// no such member. `bytes` must be canonical: keys unique, no whitespace.
    public static func removingTopLevelMember(_ key: String, from bytes: [UInt8]) -> [UInt8]? {
        let needle = Array("\"\(key)\":".utf8)
        var depth = 0
        var inString = false
        var index = 0
        var memberStart: Int?
        while index < bytes.count {
            let unit = bytes[index]
            if inString {
                if unit == 0x5c { index += 2; continue }
                if unit == 0x22 { inString = false }
                index += 1
                continue
            }
            switch unit {
            case 0x22:
                // A key at depth 1 starts right after '{' or ','.
                if depth == 1, memberStart == nil, index > 0, bytes[index - 1] == 0x7b || bytes[index - 1] == 0x2c,
                   bytes[index...].starts(with: needle) {
                    memberStart = index
                }
                inString = true
            case 0x7b, 0x5b: depth += 1
            case 0x7d, 0x5d:
                depth -= 1
                if depth == 0, let start = memberStart { return splice(bytes, start, index) }
            case 0x2c:
                if depth == 1, let start = memberStart { return splice(bytes, start, index) }
            default: break
            }
            index += 1
        }
        return nil
    }

    /// Removes the member at `start..<end` (`end` at its ',' or the closing '}') and one comma.
    private static func splice(_ bytes: [UInt8], _ start: Int, _ end: Int) -> [UInt8] {
        if bytes[end] == 0x2c { return Array(bytes[..<start]) + bytes[(end + 1)...] }
        // Last member: drop the comma before it instead (or none when it was the only one).
        let cut = bytes[start - 1] == 0x2c ? start - 1 : start
        return Array(bytes[..<cut]) + bytes[end...]
    }
}
