/// A model file or model description that cannot be used: names the file (or "<model>" for one built
/// in memory), the byte offset where reading stopped when known, and what is wrong.
public struct ModelError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var offset: Int?
    public var reason: String

    public init(file: String, offset: Int? = nil, reason: String) {
        self.file = file
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        if let offset { return "\(file): \(reason) (at byte \(offset))" }
        return "\(file): \(reason)"
    }
}
