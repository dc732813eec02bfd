import Localization

/// A grading policy file that cannot be used, named as the user gave it, with the reason in
/// their language.
public struct GradingPolicyError: LocalizableError, Sendable {
    public let file: String
    public let reason: Message

    init(file: String, _ reason: Message) {
        self.file = file
        self.reason = reason
    }

    public var message: Message { Message("grading policy {file}: {reason}", ["file": .text(file), "reason": .message(reason)]) }
}
