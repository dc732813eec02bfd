/// What an image header says, read without decoding pixels.
public struct ImageInfo: Sendable, Equatable {
    public enum ColorModel: String, Sendable, Equatable {
        case gray, rgb, cmyk, ycck, palette, grayAlpha = "gray+alpha", rgbAlpha = "rgb+alpha", other
    }

    /// Format recognised from the content.
    public let format: ImageFormat
    /// Size as stored, before EXIF orientation.
    public let storedWidth: Int
    public let storedHeight: Int
    /// EXIF orientation (JPEG only; PNG is always `.up`).
    public let orientation: ExifOrientation
    public let colorModel: ColorModel
    /// Bits per sample (JPEG: 8).
    public let bitDepth: Int
    /// Progressive JPEG or interlaced (Adam7) PNG.
    public let isProgressive: Bool
    /// PNG alpha channel or tRNS chunk (composited over white when decoded).
    public let hasTransparency: Bool
    /// The format the file name's extension claims, when it differs from the content
    /// (e.g. a PNG named `.jpg`). Decoding goes by content; callers may report this.
    public let mislabelledAs: ImageFormat?

    /// Upright width, after EXIF orientation.
    public var width: Int { orientation.swapsAxes ? storedHeight : storedWidth }
    /// Upright height, after EXIF orientation.
    public var height: Int { orientation.swapsAxes ? storedWidth : storedHeight }

    init(format: ImageFormat, storedWidth: Int, storedHeight: Int, orientation: ExifOrientation,
         colorModel: ColorModel, bitDepth: Int, isProgressive: Bool, hasTransparency: Bool, fileName: String) {
        self.format = format
        self.storedWidth = storedWidth
        self.storedHeight = storedHeight
        self.orientation = orientation
        self.colorModel = colorModel
        self.bitDepth = bitDepth
        self.isProgressive = isProgressive
        self.hasTransparency = hasTransparency
        let claimed = ImageFormat.claimed(byFileName: fileName)
        self.mislabelledAs = claimed != nil && claimed != format ? claimed : nil
    }
}
