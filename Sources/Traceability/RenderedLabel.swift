import Imaging
import Localization
import Typesetting

/// A rendered label, where each part went, and what had to give to print it.
public struct RenderedLabel: Sendable {
    /// One printed piece of text and the box on the page it was fitted into.
    public struct Field: Sendable {
        public let name: LabelField
        public let text: FittedText
        /// The box on the page; every inked pixel of `text` lies inside it.
        public let box: PixelBox
    }

    public let stock: LabelStock
    public let raster: Raster
    public let qrCode: QRCode
    /// The QR symbol with its quiet zone.
    public let qrBox: PixelBox
    public let fields: [Field]
    /// Warnings for the person printing: fields shortened to fit, characters the font lacks.
    public let notes: [Message]

    /// The page as 8-bit RGB (grey repeated), e.g. for `PNGEncoder`.
    public var image: RGBImage {
        var rgb = [UInt8](repeating: 0, count: raster.pixels.count * 3)
        for (index, value) in raster.pixels.enumerated() {
            rgb[index * 3] = value; rgb[index * 3 + 1] = value; rgb[index * 3 + 2] = value
        }
        return RGBImage(width: raster.width, height: raster.height, pixels: rgb)
    }
}

/// The pieces of text on a label, top to bottom.
public enum LabelField: String, CaseIterable, Sendable {
    case cooperative, farm, crop, origin, lot, harvest, grade, footer

    /// The field's name in notes about it.
    var message: Message {
        switch self {
        case .cooperative: return Message("cooperative", context: "label field")
        case .farm: return Message("farm name", context: "label field")
        case .crop: return Message("crop", context: "label field")
        case .origin: return Message("origin code", context: "label field")
        case .lot: return Message("lot code", context: "label field")
        case .harvest: return Message("harvest date", context: "label field")
        case .grade: return Message("grade", context: "label field")
        case .footer: return Message("scan prompt", context: "label field")
        }
    }
}
