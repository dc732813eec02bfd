import Localization

/// Why an image could not be decoded, naming the file and carrying the codec library's message.
public struct ImageDecodingError: LocalizableError, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The file has no bytes.
        case emptyFile
        /// The file is larger than `DecodeLimits.maxBytes`.
        case fileTooLarge(bytes: Int, limit: Int)
        /// There is no file at that path.
        case notFound
        /// The file could not be read from disk (a folder, no permission...): the system's reason.
        case unreadable(Message)
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

    /// Short reason text, without the file name, in English: what results files and ledger
    /// entries record (language-neutral data). People see `reasonMessage` in their language.
    public var reasonText: String { reasonMessage.description }

    /// Why the image could not be decoded, without the file name. The codec library's own words
    /// (`libraryMessage`) follow as it wrote them: libjpeg and libpng have no Vietnamese.
    public var reasonMessage: Message {
        let kind: Message = format.map { .verbatim($0.displayName) } ?? Message("image", context: "image kind")
        let text: Message
        switch reason {
        case .emptyFile: text = Message("empty file")
        case let .fileTooLarge(bytes, limit):
            text = Message("file is {bytes} bytes, above the limit of {limit} bytes", ["bytes": .text(String(bytes)), "limit": .text(String(limit))])
        case .notFound: text = Message("not found", context: "image file")
        case .unreadable(let why): text = Message("file cannot be read: {reason}", ["reason": .message(why)])
        case let .unrecognisedFormat(leading):
            let hex = leading.prefix(8).map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            text = hex.isEmpty ? Message("not a JPEG or PNG file (the file is empty)")
                : Message("not a JPEG or PNG file (starts with {bytes})", ["bytes": .text(hex)])
        case let .tooManyPixels(width, height, limit):
            text = Message("{kind} header says {width}x{height} = {pixels} pixels, above the limit of {limit}", [
                "kind": .message(kind), "width": .text(String(width)), "height": .text(String(height)),
                "pixels": .text(String(width * height)), "limit": .text(String(limit))])
        case let .multiPassTooLarge(width, height, limit):
            let arguments: [String: MessageArgument] = ["width": .text(String(width)), "height": .text(String(height)),
                                                        "pixels": .text(String(width * height)), "limit": .text(String(limit))]
            text = format == .jpeg
                ? Message("progressive JPEG of {width}x{height} = {pixels} pixels, above the limit of {limit} for images decoded in several passes", arguments)
                : Message("interlaced {kind} of {width}x{height} = {pixels} pixels, above the limit of {limit} for images decoded in several passes",
                          arguments.merging(["kind": .message(kind)]) { a, _ in a })
        case .truncated: text = Message("truncated {kind} data", ["kind": .message(kind)])
        case .invalidData: text = Message("invalid {kind} data", ["kind": .message(kind)])
        }
        guard let libraryMessage else { return text }
        let library = format == .png ? "libpng" : format == .jpeg ? "libjpeg" : "system"
        return Message("{reason} ({library}: {detail})", ["reason": .message(text), "library": .text(library), "detail": .text(libraryMessage)])
    }

    public var message: Message { Message("{file}: {reason}", context: "image", ["file": .text(fileName), "reason": .message(reasonMessage)]) }
}

extension ImageDecodingError {
    /// A reason as a grading entry recorded it (`reasonText`, English) read back as the message it
    /// was made from, so readers show it in their language. Each reading is confirmed by making
    /// the English text again and comparing: a reason this build words otherwise, or any other
    /// text (it is hostile input like every ledger field), stays exactly as recorded.
    public static func recordedReason(_ text: String) -> Message {
        var reasonPart = text
        var library: (format: ImageFormat?, detail: String)?
        for (name, format) in [("libjpeg", ImageFormat.jpeg), ("libpng", .png), ("system", nil)] as [(String, ImageFormat?)] {
            guard text.hasSuffix(")"), let open = text.range(of: " (\(name): ", options: .backwards) else { continue }
            reasonPart = String(text[..<open.lowerBound])
            library = (format, String(text[open.upperBound..<text.index(before: text.endIndex)]))
            break
        }
        let numbers = reasonPart.split { !$0.isASCII || !$0.isNumber }.compactMap { Int($0) }
        var reasons: [Reason] = [.emptyFile, .notFound, .truncated, .invalidData]
        if numbers.count == 2 { reasons.append(.fileTooLarge(bytes: numbers[0], limit: numbers[1])) }
        // Width and height bounded so that rendering their product cannot overflow, whatever was recorded.
        if numbers.count == 4, numbers[0] <= Int(Int32.max), numbers[1] <= Int(Int32.max) {
            reasons.append(.tooManyPixels(width: numbers[0], height: numbers[1], limit: numbers[3]))
            reasons.append(.multiPassTooLarge(width: numbers[0], height: numbers[1], limit: numbers[3]))
        }
        if let start = reasonPart.range(of: "(starts with ")?.upperBound, reasonPart.hasSuffix(")") {
            let hex = reasonPart[start..<reasonPart.index(before: reasonPart.endIndex)].split(separator: " ")
            let bytes = hex.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
            if bytes.count == hex.count { reasons.append(.unrecognisedFormat(leadingBytes: bytes)) }
        }
        if reasonPart.hasSuffix("(the file is empty)") { reasons.append(.unrecognisedFormat(leadingBytes: [])) }
        let unreadablePrefix = "file cannot be read: "
        if reasonPart.hasPrefix(unreadablePrefix) {
            reasons.append(.unreadable(.verbatim(String(reasonPart.dropFirst(unreadablePrefix.count)))))
        }
        let formats: [ImageFormat?] = library.map { [$0.format] } ?? [nil, .jpeg, .png]
        for format in formats {
            for reason in reasons {
                let candidate = ImageDecodingError(fileName: "", format: format, reason: reason, libraryMessage: library?.detail)
                if candidate.reasonText == text { return candidate.reasonMessage }
            }
        }
        return .verbatim(text)
    }
}
