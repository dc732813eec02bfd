import CImageCodecs
import Localization
import Foundation

/// Writes `RGBImage`s as 8-bit RGB PNG files through libpng.
public enum PNGEncoder {
    public struct EncodingError: Error, Sendable, CustomStringConvertible {
        public let libraryMessage: String
        public var description: String { "PNG encoding failed (libpng: \(libraryMessage))" }
    }

    /// PNG bytes for `image`. `compressionLevel` is zlib's 0 (none) ... 9 (smallest).
    public static func encode(_ image: RGBImage, compressionLevel: Int = 6) throws -> [UInt8] {
        precondition((0...9).contains(compressionLevel), "zlib compression level is 0...9")
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(IMGCODECS_MESSAGE_LENGTH))
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            imgcodecs_png_encode_rgb(pixels.baseAddress, Int32(image.width), Int32(image.height),
                                     Int32(compressionLevel), &output, &size, &message)
        }
        defer { imgcodecs_free(output) }
        guard status == IMGCODECS_OK, let output else {
            throw EncodingError(libraryMessage: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                                       as: UTF8.self))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Writes `image` as a PNG file at `url` (atomically).
    public static func write(_ image: RGBImage, to url: URL, compressionLevel: Int = 6) throws {
        try OutputFile.write(Data(encode(image, compressionLevel: compressionLevel)), to: url.path)
    }
}
