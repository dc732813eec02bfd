/// Why an image could not be decoded, naming the file and carrying the codec library's message.
public struct ImageDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file has no bytes.
        case emptyFile
        /// The file is larger than `DecodeLimits.maxBytes`.
        case fileTooLarge(bytes: Int, limit: Int)
        /// There is no file at that path.
        case notFound
        /// The file could not be read from disk.
        case unreadable
        /// The first bytes match neither the JPEG nor the PNG signature.
        case unrecognisedFormat(leadingBytes: [UInt8])
        /// Header dimensions exceed `DecodeLimits.maxPixels`; nothing was allocated.
        case tooManyPixels(width: Int, height: Int, limit: Int)
        /// A progressive JPEG or interlaced PNG above its `DecodeLimits` pixel limit: such files
        /// arrive in several passes, so they are decoded whole, unlike others.
        case multiPassTooLarge(width: Int, height: Int, limit: Int)
        /// The data ends before the image does.
        case truncated
        /// The codec rejected the data (corrupt structure, bad checksum, unsupported variant).
        case invalidData
    }

    public let fileName: String
    /// The format recognised from the content, if any.
    public let format: ImageFormat?
    public let reason: Reason
    /// The libjpeg/libpng/system message, verbatim.
    public let libraryMessage: String?

    public init(fileName: String, format: ImageFormat?, reason: Reason, libraryMessage: String? = nil) {
        self.fileName = fileName
        self.format = format
        self.reason = reason
        self.libraryMessage = libraryMessage.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Short reason text, without the file name.
    public var reasonText: String {
        let kind = format?.displayName ?? "image"
        let text: String
        switch reason {
        case .emptyFile: text = "empty file"
        case let .fileTooLarge(bytes, limit): text = "file is \(bytes) bytes, above the limit of \(limit) bytes"
        case .notFound: text = "not found"
        case .unreadable: text = "file cannot be read"
        case let .unrecognisedFormat(leading):
            let hex = leading.prefix(8).map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            text = "not a JPEG or PNG file (starts with \(hex.isEmpty ? "nothing" : hex))"
        case let .tooManyPixels(width, height, limit):
            text = "\(kind) header says \(width)x\(height) = \(width * height) pixels, above the limit of \(limit)"
        case let .multiPassTooLarge(width, height, limit):
            let kind = format == .jpeg ? "progressive JPEG" : "interlaced \(kind)"
            text = "\(kind) of \(width)x\(height) = \(width * height) pixels, above the limit of \(limit) for images decoded in several passes"
        case .truncated: text = "truncated \(kind) data"
        case .invalidData: text = "invalid \(kind) data"
        }
        guard let libraryMessage else { return text }
        let library = format == .png ? "libpng" : format == .jpeg ? "libjpeg" : "system"
        return "\(text) (\(library): \(libraryMessage))"
    }

    public var description: String { "\(fileName): \(reasonText)" }
}
