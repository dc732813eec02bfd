/// Why a QR code could not be made.
public struct QRCodeError: Error, CustomStringConvertible, Sendable {
    public let text: String
    public let reason: String
    public var description: String { "cannot encode \"\(text)\" as a QR code: \(reason)" }
}
