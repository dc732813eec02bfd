import Localization

/// A problem with a `.zip` upload: the archive as a whole, or one named entry in it.
public struct ZipError: LocalizableError, Sendable, Equatable {
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
    /// What is wrong, without the archive and entry names.
    public let detailMessage: Message
    /// `detailMessage` in English.
    public var detail: String { detailMessage.description }

    public init(_ kind: Kind, archive: String, entry: String? = nil, _ detail: Message) {
        self.kind = kind
        self.archive = archive
        self.entry = entry
        self.detailMessage = detail
    }

    public var message: Message {
        if let entry {
            return Message("{archive}: entry '{entry}': {detail}", ["archive": .text(archive), "entry": .text(entry), "detail": .message(detailMessage)])
        }
        return Message("{archive}: {detail}", context: "zip", ["archive": .text(archive), "detail": .message(detailMessage)])
    }
}
