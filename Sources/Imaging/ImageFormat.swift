/// Image container formats AgriTrace decodes, recognised by their first bytes, never by file name.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case jpeg
    case png

    /// The format whose signature starts `bytes`, or nil. JPEG: FF D8 FF (SOI then any marker);
    /// PNG: the 8-byte signature 89 'P' 'N' 'G' 0D 0A 1A 0A.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, png.indices.allSatisfy({ bytes[$0] == png[$0] }) { return .png }
        return nil
    }

    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        bytes.withUnsafeBytes { sniff($0) }
    }

    /// The format a file name's extension claims (.jpg/.jpeg/.jpe/.jfif, .png), case-insensitively.
    public static func claimed(byFileName fileName: String) -> ImageFormat? {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains(where: { $0 == "/" }) else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "jpg", "jpeg", "jpe", "jfif": return .jpeg
        case "png": return .png
        default: return nil
        }
    }

    /// Upper-case display name.
    public var displayName: String { self == .jpeg ? "JPEG" : "PNG" }
}
