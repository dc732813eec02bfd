/// Decoding of text where one ASCII marker byte followed by two hex digits stands for a byte:
/// `%2F` in request paths and Digital Link paths, `_2F` in label file names. Here, below every
/// module that decodes such text, so there is one decoder (servers, identifiers, file names).
public enum HexEscapes {
    /// The text with every escape replaced by its byte, or nil for a malformed escape or bytes
    /// that are not UTF-8.
    public static func decode(_ text: String, marker: UInt8) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == marker {
                // Digit by digit: `UInt8(_:radix:)` would also take a sign, so "%+f" would decode.
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
