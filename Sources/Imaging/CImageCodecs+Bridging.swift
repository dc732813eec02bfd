import CImageCodecs

// Small adapters between CImageCodecs' C types and the Swift API.

/// The NUL-terminated text in a fixed-size C `char[]` (imported as a tuple).
func string<Tuple>(fromCMessage message: Tuple) -> String {
    withUnsafeBytes(of: message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension ImageInfo.ColorModel {
    init(codecColor: Int32) {
        switch Int(codecColor) {
        case IMGCODECS_COLOR_GRAY: self = .gray
        case IMGCODECS_COLOR_RGB: self = .rgb
        case IMGCODECS_COLOR_CMYK: self = .cmyk
        case IMGCODECS_COLOR_YCCK: self = .ycck
        case IMGCODECS_COLOR_PALETTE: self = .palette
        case IMGCODECS_COLOR_GRAY_ALPHA: self = .grayAlpha
        case IMGCODECS_COLOR_RGB_ALPHA: self = .rgbAlpha
        default: self = .other
        }
    }
}

extension ImageDecodingError {
    /// Maps a CImageCodecs status to a typed error.
    init(codecStatus status: Int32, fileName: String, format: ImageFormat, message: String,
         width: Int, height: Int, limits: DecodeLimits) {
        let reason: Reason
        switch Int(status) {
        case IMGCODECS_TRUNCATED: reason = .truncated
        case IMGCODECS_TOO_MANY_PIXELS:
            reason = .tooManyPixels(width: width, height: height, limit: limits.maxPixels)
        default: reason = .invalidData
        }
        self.init(fileName: fileName, format: format, reason: reason,
                  libraryMessage: reason == .tooManyPixels(width: width, height: height, limit: limits.maxPixels) ? nil : message)
    }
}
