/// Why text could not be set.
public enum TypesettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A bundled font file is missing from the installed module's resources.
    case fontMissing(name: String, path: String)
    /// FreeType or HarfBuzz refused the font's bytes.
    case fontUnreadable(name: String, reason: String)
    /// Not even one line holding "…" fits the box at the smallest allowed size: a layout bug,
    /// since labels are laid out so every field has at least that room.
    case boxTooSmall(text: String, width: Int, height: Int, minPixelSize: Int)

    public var description: String {
        switch self {
        case .fontMissing(let name, let path): return "the label font \(name) is missing (looked for \(path)); reinstall agritrace"
        case .fontUnreadable(let name, let reason): return "the label font \(name) cannot be read: \(reason)"
        case .boxTooSmall(let text, let width, let height, let size):
            return "no room to print \"\(text.prefix(80))\": a \(width)x\(height) px box is smaller than one line at \(size) px"
        }
    }
}
