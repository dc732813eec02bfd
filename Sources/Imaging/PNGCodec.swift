import CImageCodecs

/// libpng through CImageCodecs. Alpha is composited over white (see CImageCodecs.h).
enum PNGCodec {
    static func probe(_ raw: UnsafeRawBufferPointer, fileName: String) throws -> ImageInfo {
        var info = imgcodecs_png_info()
        let status = imgcodecs_png_probe(bytes(raw), raw.count, &info)
        guard status == IMGCODECS_OK else {
            throw ImageDecodingError(codecStatus: status, fileName: fileName, format: .png,
                                     message: string(fromCMessage: info.message), width: 0, height: 0, limits: .default)
        }
        return imageInfo(info, fileName: fileName)
    }

    static func decode(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits) throws -> RGBImage {
        let header = try probe(raw, fileName: fileName)
        let (w, h) = (header.storedWidth, header.storedHeight)
        if w * h > limits.maxPixels {
            throw ImageDecodingError(fileName: fileName, format: .png,
                                     reason: .tooManyPixels(width: w, height: h, limit: limits.maxPixels))
        }
        var info = imgcodecs_png_info()
        var status = Int32(IMGCODECS_OK)
        let pixels = [UInt8](unsafeUninitializedCapacity: w * h * 3) { buffer, count in
            status = imgcodecs_png_decode(bytes(raw), raw.count, UInt64(limits.maxPixels),
                                          buffer.baseAddress, buffer.count, &info)
            count = status == IMGCODECS_OK ? buffer.count : 0
        }
        guard status == IMGCODECS_OK else {
            throw ImageDecodingError(codecStatus: status, fileName: fileName, format: .png,
                                     message: string(fromCMessage: info.message), width: w, height: h, limits: limits)
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    private static func bytes(_ raw: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
        raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
    }

    private static func imageInfo(_ info: imgcodecs_png_info, fileName: String) -> ImageInfo {
        ImageInfo(format: .png, storedWidth: Int(info.width), storedHeight: Int(info.height), orientation: .up,
                  colorModel: .init(codecColor: info.color), bitDepth: Int(info.bit_depth),
                  isProgressive: info.interlaced != 0, hasTransparency: info.has_transparency != 0,
                  fileName: fileName)
    }
}
