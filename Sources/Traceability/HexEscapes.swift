/// Decoding of text where one ASCII marker byte followed by two hex digits stands for a byte:
/// `%2F` in Digital Link paths, `_2F` in label file names.
enum HexEscapes {
    /// The text with every escape replaced by its byte, or nil for a malformed escape or bytes
    /// that are not UTF-8.
    static func decode(_ text: String, marker: UInt8) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == marker {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
