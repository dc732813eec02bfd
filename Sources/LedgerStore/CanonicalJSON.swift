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

    /// NFC form of `string`; ASCII strings (the vast majority) skip the normaliser.
    public static func nfc(_ string: String) -> String {
        if string.utf8.allSatisfy({ $0 < 0x80 }) { return string }
        return string.precomposedStringWithCanonicalMapping
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

    /// ECMAScript JSON.stringify string escaping, which JCS adopts.
    static func writeString(_ raw: String, to out: inout [UInt8]) {
        let string = nfc(raw)
        out.append(0x22)
        for unit in string.utf8 {
            switch unit {
            case 0x22: out.append(0x5c); out.append(0x22)
            case 0x5c: out.append(0x5c); out.append(0x5c)
            case 0x08: out.append(0x5c); out.append(0x62)
            case 0x09: out.append(0x5c); out.append(0x74)
            case 0x0a: out.append(0x5c); out.append(0x6e)
            case 0x0c: out.append(0x5c); out.append(0x66)
            case 0x0d: out.append(0x5c); out.append(0x72)
            case 0x00..<0x20:
                out.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hexDigits[Int(unit >> 4)], hexDigits[Int(unit & 0xf)]])
            default: out.append(unit)
            }
        }
        out.append(0x22)
    }
}
