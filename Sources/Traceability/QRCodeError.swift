import Localization

/// Why a QR code could not be made.
public struct QRCodeError: LocalizableError, Sendable {
    public let text: String
    public let reason: Message
    public var message: Message {
        Message("cannot encode \"{text}\" as a QR code: {reason}", ["text": .text(text), "reason": .message(reason)])
    }
}
