/// A problem with a `.zip` upload: the archive as a whole, or one named entry in it.
public struct ZipError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not a zip archive, or its directory structures are damaged.
        case malformed
        /// A feature this reader refuses (encryption, multi-disk, unknown compression).
        case unsupported
        /// An entry whose path would land outside the upload (absolute, `..`, backslash, NUL).
        case unsafePath
        /// A symbolic-link entry: its target could point anywhere.
        case symlink
        /// Entry count, entry size, total size or compression ratio beyond `UploadLimits`.
        case limitExceeded
        /// The entry's data does not inflate to its declared size and CRC-32.
        case corruptData
    }

    public let kind: Kind
    /// The archive's file name.
    public let archive: String
    /// The entry concerned, when the problem is one entry.
    public let entry: String?
    public let detail: String

    public init(_ kind: Kind, archive: String, entry: String? = nil, _ detail: String) {
        self.kind = kind
        self.archive = archive
        self.entry = entry
        self.detail = detail
    }

    public var description: String {
        if let entry { return "\(archive): entry '\(entry)': \(detail)" }
        return "\(archive): \(detail)"
    }
}
