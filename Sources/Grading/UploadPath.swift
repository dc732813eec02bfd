import Localization
import Foundation

/// Relative paths inside an upload: the one rule that keeps every file inside it.
///
/// Applied to zip entry names, folder files and the manifest's `file` column alike, so a name
/// refused in one place is refused everywhere ("zip slip" and its relatives).
public enum UploadPath {
    /// Why `path` may not be used inside an upload, or nil when it is a safe relative path.
    public static func problem(with path: String) -> Message? {
        if path.isEmpty { return Message("empty path") }
        if path.unicodeScalars.contains(where: { $0.value == 0 }) { return Message("path contains a NUL character") }
        // A line break or tab in a name would reach the ledger's entries, which refuse them: refuse it here, first.
        if let control = path.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return Message("path contains a control character (U+{code})", ["code": .text("\(String(control.value, radix: 16, uppercase: true).leftPadded(4))")])
        }
        if path.contains("\\") { return Message("path contains a backslash (only '/' separates folders)") }
        if path.hasPrefix("/") { return Message("absolute path") }
        // A drive letter ("C:...") is absolute on Windows, where uploads are often made.
        let scalars = Array(path.unicodeScalars)
        if scalars.count >= 2, scalars[1] == ":", scalars[0].properties.isAlphabetic { return Message("absolute path (drive letter)") }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { return Message("path escapes the upload ('..')") }
            if component == "." || component.isEmpty { return Message("path has an empty or '.' component") }
        }
        return nil
    }

    /// The name files are matched by: Unicode NFC, so a manifest typed on one system finds
    /// photos named on another (macOS and some phones write decomposed NFD names).
    public static func key(_ path: String) -> String {
        path.precomposedStringWithCanonicalMapping
    }

    /// Two paths with the same collision key name one file on a case-insensitive file system
    /// (macOS, Windows) or after normalisation; an upload may not hold both.
    public static func collisionKey(_ path: String) -> String {
        key(path).lowercased().precomposedStringWithCanonicalMapping
    }

    /// Files that operating systems add on their own (Finder and Explorer metadata); they are
    /// neither photos nor mistakes, so uploads ignore them instead of reporting them.
    public static func isSystemClutter(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        if components.first == "__MACOSX" { return true }
        guard let last = components.last else { return false }
        return last.hasPrefix(".") || last == "Thumbs.db" || last == "desktop.ini"
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
