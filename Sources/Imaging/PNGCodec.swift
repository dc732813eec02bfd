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

    /// Decodes at full resolution.
    static func decode(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits) throws -> RGBImage {
        let header = try checkedHeader(raw, fileName: fileName, limits: limits)
        let (w, h) = (header.storedWidth, header.storedHeight)
        if header.isProgressive { return try decodeInterlaced(raw, fileName: fileName, limits: limits, width: w, height: h) }
        let pixels = try [UInt8](unsafeUninitializedCapacity: w * h * 3) { buffer, count in
            try withRowDecoder(raw, fileName: fileName, limits: limits) { readRows in
                try readRows(buffer.baseAddress!, h)
            }
            count = buffer.count
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// Decodes straight to `target` through `AreaResize`, row by row: memory is the rows one output
    /// row covers, not the whole image (a 64-megapixel 16-bit PNG compresses to under 1 MB).
    /// Interlaced files are decoded whole, which `DecodeLimits.maxInterlacedPixels` bounds.
    static func decode(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits,
                       target: (width: Int, height: Int)) throws -> RGBImage {
        let header = try checkedHeader(raw, fileName: fileName, limits: limits)
        if header.isProgressive {
            let full = try decodeInterlaced(raw, fileName: fileName, limits: limits,
                                            width: header.storedWidth, height: header.storedHeight)
            return AreaResize.resize(full, width: target.width, height: target.height)
        }
        let pixels = try [UInt8](unsafeUninitializedCapacity: target.width * target.height * 3) { out, count in
            try withRowDecoder(raw, fileName: fileName, limits: limits) { readRows in
                try AreaResize.resize(width: header.storedWidth, height: header.storedHeight, into: out.baseAddress!,
                                      width: target.width, height: target.height, decodingRows: readRows)
            }
            count = out.count
        }
        return RGBImage(width: target.width, height: target.height, pixels: pixels)
    }

    /// The header, with the pixel limits applied before any pixel buffer exists.
    private static func checkedHeader(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits) throws -> ImageInfo {
        let header = try probe(raw, fileName: fileName)
        let (w, h) = (header.storedWidth, header.storedHeight)
        if w * h > limits.maxPixels {
            throw ImageDecodingError(fileName: fileName, format: .png,
                                     reason: .tooManyPixels(width: w, height: h, limit: limits.maxPixels))
        }
        if header.isProgressive && w * h > limits.maxInterlacedPixels {
            throw ImageDecodingError(fileName: fileName, format: .png,
                                     reason: .multiPassTooLarge(width: w, height: h, limit: limits.maxInterlacedPixels))
        }
        return header
    }

    /// Opens a row decoder and gives `body` a function reading the next rows into a buffer.
    private static func withRowDecoder<R>(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits,
                                          _ body: ((UnsafeMutablePointer<UInt8>, Int) throws -> Void) throws -> R) throws -> R {
        var info = imgcodecs_png_info()
        var handle: OpaquePointer?
        func failure(_ status: Int32) -> ImageDecodingError {
            ImageDecodingError(codecStatus: status, fileName: fileName, format: .png, message: string(fromCMessage: info.message),
                               width: Int(info.width), height: Int(info.height), limits: limits)
        }
        let status = imgcodecs_png_open(bytes(raw), raw.count, UInt64(limits.maxPixels), &handle, &info)
        guard status == IMGCODECS_OK, let handle else { throw failure(status) }
        defer { imgcodecs_png_close(handle) }
        return try body { buffer, rows in
            let status = imgcodecs_png_read_rows(handle, buffer, rows, &info)
            guard status == IMGCODECS_OK else { throw failure(status) }
        }
    }

    /// An interlaced file spreads every row over seven passes, so it is decoded whole.
    private static func decodeInterlaced(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits,
                                         width w: Int, height h: Int) throws -> RGBImage {
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
