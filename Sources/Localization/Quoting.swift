/// Refused input quoted in a message: at most 80 Unicode scalars, control characters shown as
/// U+FFFD, so a hostile value can neither flood the terminal nor move its cursor.
public enum Quoting {
    public static let limit = 80

    public static func printable(_ text: String, limit: Int = Quoting.limit) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(limit) {
            let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            scalars.append(isControl ? "\u{FFFD}" : scalar)
        }
        return String(scalars) + (text.unicodeScalars.count > limit ? "…" : "")
    }
}

extension Quoting {
    /// `text` as one operand of a POSIX shell command, for commands we suggest people paste: plain
    /// when every byte is safe, else in single quotes (a `'` inside written `'\''`). A value
    /// beginning with `-` follows `--`, so the command reads it as an operand, not an option;
    /// put options before it.
    public static func shellOperand(_ text: String) -> String {
        let safe = !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || "-_.,/:@%+=".utf8.contains(byte)
        }
        let quoted = safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return text.hasPrefix("-") ? "-- " + quoted : quoted
    }
}
