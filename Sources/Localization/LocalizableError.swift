/// An error whose text is a `Message`, so the program shows it in the user's language.
/// Libraries throw these instead of baking English into `description`; the English rendering
/// stays available as `description` for logs and tests.
public protocol LocalizableError: Error, CustomStringConvertible {
    var message: Message { get }
}

extension LocalizableError {
    public var description: String { message.description }
}

extension Localizer {
    /// An error's text in this language when it is a `LocalizableError`, else its description.
    public func describe(_ error: any Error) -> String {
        (error as? any LocalizableError).map { render($0.message) } ?? "\(error)"
    }
}

extension Message {
    /// An error as a message: its own when it is a `LocalizableError`, else its description shown
    /// as it is (another library's words).
    public static func describing(_ error: any Error) -> Message {
        (error as? any LocalizableError)?.message ?? .verbatim("\(error)")
    }
}
