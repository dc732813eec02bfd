import Localization

/// A strict JSON parser (RFC 8259) for entry bodies: rejects numbers with a fraction or exponent
/// (ledger entries hold integers only), integers beyond ±(2^53 − 1), duplicate keys, invalid
/// UTF-8, lone surrogates and nesting deeper than `maxDepth`. Whitespace between tokens is allowed;
/// canonical form is checked separately by re-encoding.
public struct JSONParser {
    public static let maxDepth = 32
    public static let maxBytes = EntryValidator.maxEntryBytes

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try parse(bytes, canonical: false)
    }

    /// With `canonical`, the input must also be exactly RFC 8785 output with NFC strings (no
    /// whitespace, keys in ascending byte order, only the escapes JCS writes, lowercase hex),
    /// else `EntryError.notCanonical`: equivalent to "re-encoding gives the same bytes" without
    /// the cost of re-encoding.
    public static func parse(_ bytes: [UInt8], canonical: Bool) throws -> JSONValue {
        guard bytes.count <= maxBytes else { throw EntryError.tooLarge(bytes: bytes.count, limit: maxBytes) }
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(input: buffer, canonical: canonical)
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw parser.error(Message("trailing characters after the value")) }
            if parser.notCanonical { throw EntryError.notCanonical }
            return value
        }
    }

    private let input: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Set when the input is valid JSON but not in canonical form.
    private var notCanonical = false

    private let canonical: Bool

    private init(input: UnsafeBufferPointer<UInt8>, canonical: Bool) {
        self.input = input
        self.canonical = canonical
    }

    private func error(_ reason: Message) -> EntryError { .malformedJSON(offset: position, reason: reason) }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0a, 0x0d:
                if canonical { notCanonical = true }
                position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ literal: StaticString, as value: JSONValue) throws -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard position + count <= input.count else { throw error(Message("unexpected end of input")) }
        for k in 0..<count where input[position + k] != literal.utf8Start[k] { throw error(Message("invalid literal")) }
        position += count
        return value
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw error(Message("nested deeper than {max_depth}", ["max_depth": .text("\(JSONParser.maxDepth)")])) }
        guard position < input.count else { throw error(Message("unexpected end of input")) }
        switch input[position] {
        case 0x7b: return try parseObject(depth: depth)
        case 0x5b: return try parseArray(depth: depth)
        case 0x22: return .string(try parseString())
        case 0x74: return try expect("true", as: .bool(true))
        case 0x66: return try expect("false", as: .bool(false))
        case 0x6e: return try expect("null", as: .null)
        case 0x2d, 0x30...0x39: return .integer(try parseInteger())
        default: throw error(Message("unexpected character '{character}'", ["character": .text("\(Unicode.Scalar(input[position]))")]))
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        position += 1
        var members = [String: JSONValue]()
        // An entry's top level has a dozen members: growing from empty rehashed it four times.
        members.reserveCapacity(depth == 0 ? 16 : 4)
        var previousKey: String?
        skipWhitespace()
        if position < input.count, input[position] == 0x7d { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < input.count, input[position] == 0x22 else { throw error(Message("expected a string key")) }
            let key = try parseString()
            if canonical {
                if let previousKey, !previousKey.utf8.lexicographicallyPrecedes(key.utf8) { notCanonical = true }
                if key.isEmpty || !key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { throw EntryError.invalidKey(key) }
                previousKey = key
            }
            skipWhitespace()
            guard position < input.count, input[position] == 0x3a else { throw error(Message("expected ':' after key")) }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            guard members.updateValue(value, forKey: key) == nil else { throw error(Message("duplicate key \"{key}\"", ["key": .text("\(key)")])) }
            skipWhitespace()
            guard position < input.count else { throw error(Message("unexpected end of input in object")) }
            if input[position] == 0x2c { position += 1; continue }
            if input[position] == 0x7d { position += 1; return .object(members) }
            throw error(Message("expected ',' or '}}' in object"))
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        position += 1
        var elements = [JSONValue]()
        skipWhitespace()
        if position < input.count, input[position] == 0x5d { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard position < input.count else { throw error(Message("unexpected end of input in array")) }
            if input[position] == 0x2c { position += 1; continue }
            if input[position] == 0x5d { position += 1; return .array(elements) }
            throw error(Message("expected ',' or ']' in array"))
        }
    }

    private mutating func parseInteger() throws -> Int64 {
        let start = position
        var negative = false
        if input[position] == 0x2d { negative = true; position += 1 }
        guard position < input.count, (0x30...0x39).contains(input[position]) else { throw error(Message("expected a digit")) }
        if input[position] == 0x30, position + 1 < input.count, (0x30...0x39).contains(input[position + 1]) {
            throw error(Message("leading zero in number"))
        }
        var magnitude: Int64 = 0
        while position < input.count, (0x30...0x39).contains(input[position]) {
            magnitude = magnitude * 10 + Int64(input[position] - 0x30)
            guard magnitude <= JSONValue.maxSafeInteger else {
                position = start
                throw error(Message("integer beyond ±(2^53 − 1)"))
            }
            position += 1
        }
        if position < input.count, [0x2e, 0x65, 0x45].contains(input[position]) {
            throw error(Message("fractions and exponents are not allowed (use integers, e.g. basis points)"))
        }
        if negative && magnitude == 0 { throw error(Message("-0 is not allowed")) }
        return negative ? -magnitude : magnitude
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= input.count else { throw error(Message("truncated \\u escape")) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let unit = input[position]
            let digit: UInt32
            switch unit {
            case 0x30...0x39: digit = UInt32(unit - 0x30)
            case 0x61...0x66: digit = UInt32(unit - 0x61 + 10)
            case 0x41...0x46: digit = UInt32(unit - 0x41 + 10)
            default: throw error(Message("bad hex digit in \\u escape"))
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseString() throws -> String {
        position += 1   // opening quote
        let start = position
        // Fast path: no escapes.
        while position < input.count {
            let unit = input[position]
            if unit == 0x22 {
                let slice = UnsafeBufferPointer(rebasing: input[start..<position])
                position += 1
                guard let string = String(validating: slice, as: UTF8.self) else { throw error(Message("invalid UTF-8 in string")) }
                if canonical, !slice.allSatisfy({ $0 < 0x80 }), !CanonicalJSON.nfc(string).utf8.elementsEqual(string.utf8) { notCanonical = true }   // String == ignores normalisation: compare bytes
                return string
            }
            if unit == 0x5c { break }
            if unit < 0x20 { throw error(Message("unescaped control character in string")) }
            position += 1
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: input[start..<position]))
        while position < input.count {
            let unit = input[position]
            if unit == 0x22 {
                position += 1
                guard let string = String(validating: bytes, as: UTF8.self) else { throw error(Message("invalid UTF-8 in string")) }
                if canonical, !bytes.allSatisfy({ $0 < 0x80 }), !CanonicalJSON.nfc(string).utf8.elementsEqual(string.utf8) { notCanonical = true }   // String == ignores normalisation: compare bytes
                return string
            }
            if unit < 0x20 { throw error(Message("unescaped control character in string")) }
            guard unit == 0x5c else { bytes.append(unit); position += 1; continue }
            position += 1
            guard position < input.count else { break }
            let escape = input[position]
            position += 1
            switch escape {
            case 0x22: bytes.append(0x22)
            case 0x5c: bytes.append(0x5c)
            case 0x2f: bytes.append(0x2f); if canonical { notCanonical = true }   // JCS writes '/' unescaped
            case 0x62: bytes.append(0x08)
            case 0x66: bytes.append(0x0c)
            case 0x6e: bytes.append(0x0a)
            case 0x72: bytes.append(0x0d)
            case 0x74: bytes.append(0x09)
            case 0x75:
                let hexStart = position
                var scalar = try parseHex4()
                // JCS uses \u00xx (lowercase) only for control characters without a short escape.
                if canonical {
                    let shortForm: Set<UInt32> = [0x08, 0x09, 0x0a, 0x0c, 0x0d]
                    let lowercase = input[hexStart..<hexStart + 4].allSatisfy { !(0x41...0x46).contains($0) }
                    if scalar >= 0x20 || shortForm.contains(scalar) || !lowercase { notCanonical = true }
                }
                if (0xd800..<0xdc00).contains(scalar) {
                    guard position + 2 <= input.count, input[position] == 0x5c, input[position + 1] == 0x75 else {
                        throw error(Message("lone surrogate in \\u escape"))
                    }
                    position += 2
                    let low = try parseHex4()
                    guard (0xdc00..<0xe000).contains(low) else { throw error(Message("lone surrogate in \\u escape")) }
                    scalar = 0x10000 + (scalar - 0xd800) << 10 + (low - 0xdc00)
                } else if (0xdc00..<0xe000).contains(scalar) {
                    throw error(Message("lone surrogate in \\u escape"))
                }
                bytes.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: throw error(Message("invalid escape"))
            }
        }
        throw error(Message("unterminated string"))
    }
}
