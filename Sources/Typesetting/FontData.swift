import Foundation

/// A font file's bytes, read once and shared; each `Typeface` opens its own face over a copy
/// (FreeType faces are not thread-safe, so faces are never shared between threads).
public struct FontData: Sendable {
    public let name: String
    public let bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// Noto Sans (SIL Open Font License 1.1, `Fonts/OFL.txt`), cut to Latin with full Vietnamese
    /// (`Fonts/README.md`). Bundled so labels look the same on every machine.
    public static func notoSans(bold: Bool) throws(TypesettingError) -> FontData {
        try (bold ? bundledBold : bundledRegular).get()
    }

    private static let bundledRegular = Result { () throws(TypesettingError) in try bundled("NotoSans-Regular.ttf") }
    private static let bundledBold = Result { () throws(TypesettingError) in try bundled("NotoSans-Bold.ttf") }

    private static func bundled(_ name: String) throws(TypesettingError) -> FontData {
        let bundle = Bundle.module
        // The copied `Fonts` folder sits in the bundle's resource folder on macOS; Linux Foundation
        // may also resolve the name directly. Look in both places.
        let url = bundle.url(forResource: name, withExtension: nil, subdirectory: "Fonts")
            ?? bundle.url(forResource: name, withExtension: nil)
            ?? bundle.resourceURL?.appendingPathComponent("Fonts").appendingPathComponent(name)
        guard let url, let data = FileManager.default.contents(atPath: url.path) else {
            throw .fontMissing(name: name, path: url?.path ?? "the Typesetting module's resources")
        }
        return FontData(name: name, bytes: Array(data))
    }
}
