import Foundation

/// Decodes JPEG and PNG files into `RGBImage`s. Formats are recognised by content; EXIF
/// orientation is applied; every failure is an `ImageDecodingError` naming the file.
public enum ImageDecoder {
    /// Reads the header only: format, stored size, orientation, colour model.
    public static func probe<Bytes: ContiguousBytes>(data: Bytes, fileName: String,
                                                     limits: DecodeLimits = .default) throws -> ImageInfo {
        try data.withUnsafeBytes { raw in
            switch try recognise(raw, fileName: fileName, limits: limits) {
            case .jpeg: return try JPEGCodec.probe(raw, fileName: fileName)
            case .png: return try PNGCodec.probe(raw, fileName: fileName)
            }
        }
    }

    /// Decodes the whole image at full resolution, upright.
    public static func decode<Bytes: ContiguousBytes>(data: Bytes, fileName: String,
                                                      limits: DecodeLimits = .default) throws -> RGBImage {
        try data.withUnsafeBytes { raw in
            switch try recognise(raw, fileName: fileName, limits: limits) {
            case .jpeg: return try JPEGCodec.decode(raw, fileName: fileName, limits: limits, target: nil)
            case .png: return try PNGCodec.decode(raw, fileName: fileName, limits: limits)
            }
        }
    }

    /// The network-input fast path: an upright image of exactly `targetWidth` x `targetHeight`.
    /// The whole photo is squashed to the target (no crop, aspect ratio not kept). A JPEG is
    /// decoded at the smallest DCT scale (1/8, 1/4, 1/2, 1/1) whose size still covers the target,
    /// then area-averaged down (`AreaResize`); a non-interlaced PNG is decoded row by row straight
    /// into the resize, so memory stays small whatever the image size. Training and grading both call this function, so
    /// train-time and run-time preprocessing agree.
    public static func decode<Bytes: ContiguousBytes>(data: Bytes, fileName: String,
                                                      targetWidth: Int, targetHeight: Int,
                                                      limits: DecodeLimits = .default) throws -> RGBImage {
        precondition(targetWidth > 0 && targetHeight > 0, "target size must be positive")
        return try data.withUnsafeBytes { raw in
            switch try recognise(raw, fileName: fileName, limits: limits) {
            case .jpeg:
                return try JPEGCodec.decode(raw, fileName: fileName, limits: limits,
                                            target: (targetWidth, targetHeight))
            case .png:
                return try PNGCodec.decode(raw, fileName: fileName, limits: limits,
                                           target: (targetWidth, targetHeight))
            }
        }
    }

    /// Reads a file after checking its size against `limits.maxBytes`.
    public static func readFile(at url: URL, limits: DecodeLimits = .default) throws -> Data {
        let name = url.lastPathComponent
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ImageDecodingError(fileName: name, format: nil, reason: .notFound)
        }
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw ImageDecodingError(fileName: name, format: nil, reason: .unreadable(.fileError(error, path: url.path)))
        }
        if size > limits.maxBytes {
            throw ImageDecodingError(fileName: name, format: nil,
                                     reason: .fileTooLarge(bytes: size, limit: limits.maxBytes))
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ImageDecodingError(fileName: name, format: nil, reason: .unreadable(.fileError(error, path: url.path)))
        }
    }

    /// Checks size limits and recognises the format by its signature.
    private static func recognise(_ raw: UnsafeRawBufferPointer, fileName: String,
                                  limits: DecodeLimits) throws -> ImageFormat {
        if raw.isEmpty { throw ImageDecodingError(fileName: fileName, format: nil, reason: .emptyFile) }
        if raw.count > limits.maxBytes {
            throw ImageDecodingError(fileName: fileName, format: nil,
                                     reason: .fileTooLarge(bytes: raw.count, limit: limits.maxBytes))
        }
        guard let format = ImageFormat.sniff(raw) else {
            throw ImageDecodingError(fileName: fileName, format: nil,
                                     reason: .unrecognisedFormat(leadingBytes: Array(raw.prefix(8))))
        }
        return format
    }
}
