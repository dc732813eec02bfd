import Localization

/// The file name (without extension) `label` uses for a lot's files. Lot codes may hold
/// `/`, `.`, `*`, quotes and lower and upper case letters (GS1 AI 10), so the lot code cannot
/// be used as is; the encoding must be
/// - injective: two lot codes never share files (`A/B` and `A_B` used to);
/// - distinct on case-insensitive file systems (macOS, Windows), so no lower-case letters;
/// - safe: never hidden (`.`), never `..`, never a path separator, never starting with `-`
///   (read as an option by shell tools), ASCII only (no Unicode normalisation surprises).
///
/// Rule: each UTF-8 byte of the lot code that is `A–Z`, `0–9`, or `-` (not first) is kept;
/// every other byte is written `_` followed by two upper-case hex digits. `_` is always
/// escaped itself, so decoding is unambiguous. `DT-LV-261103-01` stays as it is;
/// `A/B` → `A_2FB`, `A_B` → `A_5FB`, `.x` → `_2E_78`, `ab` → `_61_62`.
/// Lot codes are at most 20 bytes, so names are at most 60 bytes, far below file-name limits.
public enum LabelFileName {
    public static func encode(_ lotCode: String) -> String {
        var name = ""
        for (index, byte) in lotCode.utf8.enumerated() {
            let kept = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (byte == UInt8(ascii: "-") && index > 0)
            if kept {
                name.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                name += "_" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0F, radix: 16, uppercase: true)
            }
        }
        return name
    }

    /// The lot code a file name was made from, or nil when `encode` cannot have produced it.
    public static func decode(_ name: String) -> String? {
        // Re-encoding rejects what `encode` never writes (lower-case hex, escaped `A`, a kept `_`).
        guard let lotCode = HexEscapes.decode(name, marker: UInt8(ascii: "_")), encode(lotCode) == name else { return nil }
        return lotCode
    }
}
