/// Which encoding a text file that is not UTF-8 most likely has, so the clerk can be told what
/// happened and how to save it again.
///
/// Spreadsheets write CSV in the computer's legacy code page unless told otherwise: Excel's
/// "CSV (Comma delimited)" on a Vietnamese Windows writes Windows-1258, on a Western one
/// Windows-1252, and "Unicode Text" writes UTF-16 little-endian with a byte order mark.
public enum TextEncodingGuess: Sendable, Equatable {
    /// UTF-16; `certain` when a byte order mark says so, else guessed from zero bytes.
    case utf16(bigEndian: Bool, certain: Bool)
    /// Windows-1258 (Vietnamese): tone marks as separate bytes after vowels, đ/Đ.
    case windows1258
    /// Windows-1252 (Western European), or another 8-bit code page.
    case windows1252
    /// An Excel workbook (`.xlsx`, or `.xls`) renamed or saved under a `.csv` name.
    case spreadsheetWorkbook
    /// Not UTF-8, and none of the above.
    case unknown

    /// Nil when `bytes` are UTF-8 (with or without a byte order mark) and not UTF-16 in disguise;
    /// otherwise the likeliest encoding.
    public static func ofNonUTF8(_ bytes: [UInt8]) -> TextEncodingGuess? {
        if bytes.starts(with: [0xFF, 0xFE]) { return .utf16(bigEndian: false, certain: true) }
        if bytes.starts(with: [0xFE, 0xFF]) { return .utf16(bigEndian: true, certain: true) }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return .spreadsheetWorkbook
        }
        // ASCII text in UTF-16 without a mark is valid UTF-8 full of zero bytes: every other byte.
        let sample = bytes.prefix(4096)
        let zerosAtOdd = stride(from: sample.startIndex + 1, to: sample.endIndex, by: 2).filter { sample[$0] == 0 }.count
        let zerosAtEven = stride(from: sample.startIndex, to: sample.endIndex, by: 2).filter { sample[$0] == 0 }.count
        if max(zerosAtOdd, zerosAtEven) * 4 >= sample.count / 2, sample.count >= 4 {
            return .utf16(bigEndian: zerosAtEven > zerosAtOdd, certain: false)
        }
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var high = 0, vietnamese = 0
        for (index, byte) in bytes.enumerated() where byte >= 0x80 {
            high += 1
            if byte == 0xD0 || byte == 0xF0 {
                vietnamese += 1   // Đ đ (Ð ð in Windows-1252: Icelandic only)
            } else if windows1258ToneMarks.contains(byte), index > 0, windows1258Vowels.contains(bytes[index - 1]) {
                vietnamese += 1   // a tone mark after a vowel, as Windows-1258 writes "ễ" (ê + tilde)
            }
        }
        if high == 0 { return .unknown }
        return vietnamese > 0 && vietnamese * 4 >= high ? .windows1258 : .windows1252
    }

    /// Windows-1258's combining grave, acute, tilde, hook above and dot below.
    static let windows1258ToneMarks: Set<UInt8> = [0xCC, 0xEC, 0xDE, 0xD2, 0xF2]
    /// Vowels a tone mark follows: ASCII, and Windows-1258's precomposed vowels (À Á Â Ă È É Ê Í Ó
    /// Ô Ơ Ú Ư and their lower case).
    static let windows1258Vowels: Set<UInt8> = Set("aeiouyAEIOUY".utf8).union([
        0xC0, 0xC1, 0xC2, 0xC3, 0xC8, 0xC9, 0xCA, 0xCD, 0xD3, 0xD4, 0xD5, 0xDA, 0xDD,
        0xE0, 0xE1, 0xE2, 0xE3, 0xE8, 0xE9, 0xEA, 0xED, 0xF3, 0xF4, 0xF5, 0xFA, 0xFD,
    ])
}
