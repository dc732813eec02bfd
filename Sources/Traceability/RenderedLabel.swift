/// A rendered label and what had to change to print it.
public struct RenderedLabel: Sendable {
    public let canvas: LabelCanvas
    public let qrCode: QRCode
    /// The printed lines, after folding and truncation.
    public let lines: [String]
    /// Human-readable notes, e.g. which fields lost their diacritics.
    public let notes: [String]
}
