/// Text bound for a person's terminal. Messages quote what users and files supplied (manifest
/// columns, file names inside a zip, ledger values): a control character there could move the
/// cursor, recolour or erase the screen, and a bidirectional control could make a line read as
/// something else. Both are shown as visible escapes instead; line breaks and tabs stay.
public enum TerminalText {
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }

    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202a...0x202e).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            || scalar.value == 0x200e || scalar.value == 0x200f || scalar.value == 0x061c
    }

    /// `text` with every control (but line feed and tab) and bidirectional control as `\u{hex}`.
    public static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { ($0 != "\n" && $0 != "\t" && isControl($0)) || isBidiControl($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (scalar != "\n" && scalar != "\t" && isControl(scalar)) || isBidiControl(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
