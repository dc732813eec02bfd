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
