import CImageCodecs

/// libjpeg-turbo through CImageCodecs: open (header + EXIF), pick a DCT scale, read, close.
enum JPEGCodec {
    static func probe(_ raw: UnsafeRawBufferPointer, fileName: String) throws -> ImageInfo {
        try withOpenHandle(raw, fileName: fileName) { _, info in
            imageInfo(info, fileName: fileName)
        }
    }

    /// Decodes upright; with a target, at the smallest covering DCT scale and area-resized to it.
    static func decode(_ raw: UnsafeRawBufferPointer, fileName: String, limits: DecodeLimits,
                       target: (width: Int, height: Int)?) throws -> RGBImage {
        try withOpenHandle(raw, fileName: fileName) { handle, info in
            let header = imageInfo(info, fileName: fileName)
            func fail(_ status: Int32, _ info: imgcodecs_jpeg_info) -> ImageDecodingError {
                ImageDecodingError(codecStatus: status, fileName: fileName, format: .jpeg,
                                   message: string(fromCMessage: info.message),
                                   width: header.storedWidth, height: header.storedHeight, limits: limits)
            }
            if header.storedWidth * header.storedHeight > limits.maxPixels {
                throw fail(Int32(IMGCODECS_TOO_MANY_PIXELS), info)
            }
            // Checked from the header, before libjpeg allocates its whole-image coefficient buffer.
            if header.isProgressive && header.storedWidth * header.storedHeight > limits.maxProgressiveJPEGPixels {
                throw ImageDecodingError(fileName: fileName, format: .jpeg,
                                         reason: .multiPassTooLarge(width: header.storedWidth, height: header.storedHeight,
                                                                    limit: limits.maxProgressiveJPEGPixels))
            }
            guard let target else {
                let (w, h) = (header.storedWidth, header.storedHeight)
                var status = Int32(IMGCODECS_OK)
                let pixels = [UInt8](unsafeUninitializedCapacity: w * h * 3) { buffer, count in
                    status = imgcodecs_jpeg_read(handle, 1, UInt64(limits.maxPixels), buffer.baseAddress,
                                                 buffer.count, &info)
                    count = status == IMGCODECS_OK ? buffer.count : 0
                }
                guard status == IMGCODECS_OK else { throw fail(status, info) }
                return RGBImage(width: w, height: h, pixels: pixels).applying(header.orientation)
            }
            // Resize in stored orientation, then turn the small result upright.
            let swaps = header.orientation.swapsAxes
            let storedTarget = swaps ? (width: target.height, height: target.width) : target
            var denominator: Int32 = 8
            var (w, h): (Int32, Int32) = (0, 0)
            while true {
                imgcodecs_jpeg_output_size(handle, denominator, &w, &h)
                if denominator == 1 || (Int(w) >= storedTarget.width && Int(h) >= storedTarget.height) { break }
                denominator /= 2
            }
            let count = Int(w) * Int(h) * 3
            let scaled = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
            defer { scaled.deallocate() }
            let status = imgcodecs_jpeg_read(handle, denominator, UInt64(limits.maxPixels), scaled, count, &info)
            guard status == IMGCODECS_OK else { throw fail(status, info) }
            let resized = [UInt8](unsafeUninitializedCapacity: storedTarget.width * storedTarget.height * 3) { out, n in
                AreaResize.resize(source: scaled, width: Int(w), height: Int(h),
                                  into: out.baseAddress!, width: storedTarget.width, height: storedTarget.height)
                n = out.count
            }
            return RGBImage(width: storedTarget.width, height: storedTarget.height, pixels: resized)
                .applying(header.orientation)
        }
    }

    private static func withOpenHandle<R>(_ raw: UnsafeRawBufferPointer, fileName: String,
                                          _ body: (OpaquePointer, inout imgcodecs_jpeg_info) throws -> R) throws -> R {
        var info = imgcodecs_jpeg_info()
        var handle: OpaquePointer?
        let status = imgcodecs_jpeg_open(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), raw.count,
                                         &handle, &info)
        guard status == IMGCODECS_OK, let handle else {
            throw ImageDecodingError(codecStatus: status, fileName: fileName, format: .jpeg,
                                     message: string(fromCMessage: info.message),
                                     width: 0, height: 0, limits: .default)
        }
        defer { imgcodecs_jpeg_close(handle) }
        return try body(handle, &info)
    }

    private static func imageInfo(_ info: imgcodecs_jpeg_info, fileName: String) -> ImageInfo {
        let orientation = info.exif.map {
            ExifOrientation.parse(exif: UnsafeRawBufferPointer(start: $0, count: info.exif_length))
        } ?? .up
        return ImageInfo(format: .jpeg, storedWidth: Int(info.width), storedHeight: Int(info.height),
                         orientation: orientation, colorModel: .init(codecColor: info.color), bitDepth: 8,
                         isProgressive: info.progressive != 0, hasTransparency: false, fileName: fileName)
    }
}
